//! The define parser's cases.

use super::*;
use crate::ir::FileIr;

fn show(text: &str) -> String {
    let mut b = FnBuilder::const_scope();
    let (v, _) = lower_define(&mut b, text, 0);
    let mut ir = FileIr::default();
    ir.consts.push(crate::ir::ConstDef {
        name: "X".into(),
        value: v,
        span: Span::default(),
        kind: crate::ir::ConstKind::Define,
        internal: true,
    });
    ir.const_scope = b.finish_const_scope();
    ir.dump().trim_end().trim_start_matches("define X = ").to_string()
}

#[test]
fn numbers_and_casts() {
    assert_eq!(show("6"), "6");
    assert_eq!(show("0xFFFFFFFFul"), "0xffffffff");
    assert_eq!(show("(DWORD)-1"), "0xffffffffffffffff");
    assert_eq!(show("((RPC_WSTR)-1)"), "0xffffffffffffffff");
    assert_eq!(show("(unsigned long)(0x10)"), "16");
    assert_eq!(show("((OLECHAR *)-1)"), "0xffffffffffffffff");
    assert_eq!(show("~0"), "0xffffffffffffffff");
    assert_eq!(show("-  1"), "0xffffffffffffffff");
    assert_eq!(show("__MSABI_LONG(0xFFFFFFFF)"), "__MSABI_LONG(0xffffffff)");
    assert_eq!(show("(A)"), "A");
    assert_eq!(show("(A) | (B)"), "(A BitOr B)");
    assert_eq!(show("(PVOID)&g_x"), "&g_x");
    assert_eq!(show("(A) & MASK"), "(A BitAnd MASK)");
    assert_eq!(show("'A'"), "65");
    assert_eq!(show("L'\\n'"), "10");
    assert_eq!(show("1.5"), "?");
}

#[test]
fn operators() {
    assert_eq!(show("A | B << 2"), "(A BitOr (B Shl 2))");
    assert_eq!(show("1 + 2 * 3 - 4"), "((1 Add (2 Mul 3)) Sub 4)");
    assert_eq!(show("A == B && !C"), "((A Eq B) And Not(C))");
    assert_eq!(show("X ? 1 : 2"), "select(1 | 2)");
    assert_eq!(show("A ^ B & C % 3 / 1"), "(A BitXor (B BitAnd ((C Rem 3) Div 1)))");
    assert_eq!(show("a.b->c"), "*a.b.c");
}

#[test]
fn strings_and_calls() {
    assert_eq!(show("TEXT(\"x\")"), "TEXT(\"x\")");
    assert_eq!(show("L\"NTLM\""), "L\"NTLM\"");
    assert_eq!(show("L\"a\" L\"b\" \\\n  \"c\" /* note */"), "L\"abc\"");
    assert_eq!(show("u8\"x\" \"y\""), "\"xy\"");
    assert_eq!(show("TEXT(\"a\") L\"b\""), "concat(TEXT(\"a\"), L\"b\")");
    assert_eq!(show("PREFIX \"b\""), "concat(PREFIX, \"b\")");
    assert_eq!(show("MAKELONG(1, 2)"), "MAKELONG(1, 2)");
    assert_eq!(show("F()"), "F()");
    assert_eq!(show("F(int, 3)"), "F(int, 3)");
    assert_eq!(show("F(struct x *, 3)"), "F(?, 3)");
    assert_eq!(show("NULL"), "null");
    assert_eq!(show("sizeof(RPC_SECURITY_QOS)"), "?");
    assert_eq!(show("\"\\\\\\\\.\\\\pipe\\\\x\""), "\"\\\\\\\\.\\\\pipe\\\\x\"");
    assert_eq!(show("X // trailing"), "X");
}

#[test]
fn unreadable_is_unknown() {
    assert_eq!(show("do { f(); } while (0)"), "?");
    assert_eq!(show("__declspec(dllimport) int"), "?");
    assert_eq!(show("a b"), "?");
    assert_eq!(show("(1"), "?");
    assert_eq!(show("F(1"), "?");
    assert_eq!(show("\"unterminated"), "\"unterminated\"");
    assert_eq!(show("€"), "?");
}

#[test]
fn deep_parentheses_do_not_overflow() {
    let text = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
    let mut b = FnBuilder::const_scope();
    let (_, deep) = lower_define(&mut b, &text, 0);
    assert!(deep);
    let text = "-".repeat(10_000) + "1";
    let (_, deep) = lower_define(&mut b, &text, 0);
    assert!(deep);
}
