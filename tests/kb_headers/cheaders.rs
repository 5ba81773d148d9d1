//! A small reader for the mingw-w64 headers, written for the knowledge-base
//! check only. It is deliberately independent of rpclint's frontends, so that
//! a frontend bug cannot hide itself here.
//!
//! What it does: strips comments, joins continued lines, runs the conditional
//! directives (`#if`/`#ifdef`/`#elif`/`#else`/`#endif`) under a fixed
//! configuration (x86_64, UNICODE, user mode, Windows 10; C with COBJMACROS or
//! C++), records `#define`s, and tokenizes the active code. From those it
//! extracts enumerators, struct fields, function prototypes, the methods of C++
//! interface declarations and of widl's C vtables. It evaluates simple constant
//! expressions: integers, strings, casts, parentheses, unary and binary
//! operators, object-like and function-like macros (with `##`), enumerators.
//! It does not follow `#include` while preprocessing: a header is read on its
//! own, and names it does not define are looked up in the headers it includes,
//! then in any header.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::rc::Rc;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    Ident(String),
    Num(String),
    Str(String),
    Char(String),
    Punct(String),
}

impl Tok {
    pub fn is_ident(&self, s: &str) -> bool {
        matches!(self, Tok::Ident(x) if x == s)
    }

    pub fn is_punct(&self, s: &str) -> bool {
        matches!(self, Tok::Punct(x) if x == s)
    }

    pub fn ident(&self) -> Option<&str> {
        match self {
            Tok::Ident(x) => Some(x),
            _ => None,
        }
    }

    /// The token's spelling, for `##` pasting and messages.
    pub fn text(&self) -> String {
        match self {
            Tok::Ident(s) | Tok::Num(s) | Tok::Punct(s) => s.clone(),
            Tok::Str(s) => format!("{s:?}"),
            Tok::Char(s) => format!("'{s}'"),
        }
    }
}

const PUNCT3: [&str; 3] = ["...", "<<=", ">>="];
const PUNCT2: [&str; 21] = [
    "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "##", "->", "::", "++", "--", "+=", "-=", "*=", "/=", "|=", "&=",
    "^=", "%=",
];

fn unescape(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && i + 1 < raw.len() {
            let c = raw[i + 1];
            out.push(match c {
                b'n' => b'\n',
                b't' => b'\t',
                b'r' => b'\r',
                b'0' => 0,
                _ => c,
            });
            i += 2;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Tokenizes C source without comments. String and character literals lose
/// their `L`/`u`/`U`/`u8` prefix: the knowledge base compares their text.
pub fn tokenize(s: &str) -> Vec<Tok> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'_' {
            let st = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let word = &s[st..i];
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') && matches!(word, "L" | "u" | "U" | "u8") {
                continue;
            }
            out.push(Tok::Ident(word.to_string()));
            continue;
        }
        if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let st = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'.') {
                i += 1;
            }
            out.push(Tok::Num(s[st..i].to_string()));
            continue;
        }
        if c == b'"' || c == b'\'' {
            let quote = c;
            i += 1;
            let st = i;
            while i < b.len() && b[i] != quote && b[i] != b'\n' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            let end = i.min(b.len());
            let text = unescape(&b[st..end]);
            i = end + 1;
            out.push(if quote == b'"' { Tok::Str(text) } else { Tok::Char(text) });
            continue;
        }
        if let Some(p) = PUNCT3.iter().chain(PUNCT2.iter()).find(|p| b[i..].starts_with(p.as_bytes())) {
            out.push(Tok::Punct((*p).to_string()));
            i += p.len();
            continue;
        }
        if c.is_ascii() {
            out.push(Tok::Punct((c as char).to_string()));
        }
        i += 1;
    }
    out
}

/// Replaces comments by spaces, keeping newlines so line numbers stay right.
fn strip_comments(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"/*") {
            i += 2;
            out.push(b' ');
            while i < b.len() && !b[i..].starts_with(b"*/") {
                if b[i] == b'\n' {
                    out.push(b'\n');
                }
                i += 1;
            }
            i += 2;
        } else if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'"' || b[i] == b'\'' {
            let quote = b[i];
            out.push(b[i]);
            i += 1;
            while i < b.len() && b[i] != quote && b[i] != b'\n' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    out.push(b[i]);
                    i += 1;
                }
                out.push(b[i]);
                i += 1;
            }
            if i < b.len() && b[i] == quote {
                out.push(quote);
                i += 1;
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// Logical lines (continuations joined) with their first physical line number.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0;
    for (n, line) in text.split('\n').enumerate() {
        let line = line.trim_end_matches('\r');
        if cur.is_empty() {
            start = n + 1;
        }
        let trimmed = line.trim_end();
        if let Some(body) = trimmed.strip_suffix('\\') {
            cur.push_str(body);
            cur.push(' ');
        } else {
            cur.push_str(line);
            out.push((start, std::mem::take(&mut cur)));
        }
    }
    if !cur.is_empty() {
        out.push((start, cur));
    }
    out
}

#[derive(Clone, Debug)]
pub struct Macro {
    pub params: Option<Vec<String>>,
    pub body: Vec<Tok>,
    pub line: usize,
}

impl Macro {
    fn object(body: &str) -> Macro {
        Macro { params: None, body: tokenize(body), line: 0 }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Int(i128),
    Str(String),
}

impl std::fmt::Display for Val {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Val::Int(v) if *v < 0 => write!(f, "{v}"),
            Val::Int(v) => write!(f, "{v:#x}"),
            Val::Str(s) => write!(f, "{s:?}"),
        }
    }
}

/// What a name means to the evaluator.
pub enum Def {
    Macro(Macro),
    Value(Val),
}

type Lookup<'a> = &'a dyn Fn(&str) -> Option<Def>;

/// The index of the closing bracket matching the opening one at `open`.
pub fn matching(toks: &[Tok], open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (k, t) in toks.iter().enumerate().skip(open) {
        if let Tok::Punct(p) = t {
            match p.as_str() {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(k);
                    }
                }
                _ => {}
            }
        }
    }
    None
}

/// Splits at `sep` outside any brackets.
pub fn split_top<'a>(toks: &'a [Tok], sep: &str) -> Vec<&'a [Tok]> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (k, t) in toks.iter().enumerate() {
        if let Tok::Punct(p) = t {
            match p.as_str() {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth -= 1,
                s if s == sep && depth == 0 => {
                    out.push(&toks[start..k]);
                    start = k + 1;
                }
                _ => {}
            }
        }
    }
    out.push(&toks[start..]);
    out
}

fn val_toks(v: &Val) -> Vec<Tok> {
    match v {
        Val::Int(n) if *n < 0 => {
            vec![Tok::Punct("(".into()), Tok::Punct("-".into()), Tok::Num((-n).to_string()), Tok::Punct(")".into())]
        }
        Val::Int(n) => vec![Tok::Num(n.to_string())],
        Val::Str(s) => vec![Tok::Str(s.clone())],
    }
}

/// Applies `##` in a replacement list.
fn paste(toks: Vec<Tok>) -> Result<Vec<Tok>, String> {
    if !toks.iter().any(|t| t.is_punct("##")) {
        return Ok(toks);
    }
    let mut out: Vec<Tok> = Vec::new();
    let mut it = toks.into_iter();
    while let Some(t) = it.next() {
        if t.is_punct("##") {
            let left = out.pop().map(|t| t.text()).unwrap_or_default();
            let right = it.next().map(|t| t.text()).unwrap_or_default();
            out.extend(tokenize(&format!("{left}{right}")));
        } else {
            out.push(t);
        }
    }
    Ok(out)
}

/// Splits a macro call's arguments; `open` is the `(`. Returns the arguments
/// and the index after the `)`.
fn call_args(toks: &[Tok], open: usize) -> Result<(Vec<Vec<Tok>>, usize), String> {
    let close = matching(toks, open).ok_or("unbalanced macro call")?;
    let args = split_top(&toks[open + 1..close], ",").into_iter().map(<[Tok]>::to_vec).collect();
    Ok((args, close + 1))
}

fn expand(toks: &[Tok], look: Lookup<'_>, hidden: &mut Vec<String>, depth: usize) -> Result<Vec<Tok>, String> {
    if depth > 64 {
        return Err("macro expansion too deep".into());
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let Tok::Ident(name) = &toks[i] else {
            out.push(toks[i].clone());
            i += 1;
            continue;
        };
        if hidden.contains(name) {
            out.push(toks[i].clone());
            i += 1;
            continue;
        }
        match look(name) {
            Some(Def::Value(v)) => {
                out.extend(val_toks(&v));
                i += 1;
            }
            Some(Def::Macro(m)) => match &m.params {
                None => {
                    let body = paste(m.body.clone())?;
                    hidden.push(name.clone());
                    let r = expand(&body, look, hidden, depth + 1);
                    hidden.pop();
                    out.extend(r?);
                    i += 1;
                }
                Some(params) => {
                    if !toks.get(i + 1).is_some_and(|t| t.is_punct("(")) {
                        out.push(toks[i].clone());
                        i += 1;
                        continue;
                    }
                    let (mut args, end) = call_args(toks, i + 1)?;
                    if params.is_empty() && args.len() == 1 && args[0].is_empty() {
                        args.clear();
                    }
                    if args.len() != params.len() {
                        return Err(format!("macro {name} takes {} arguments, given {}", params.len(), args.len()));
                    }
                    let mut body = Vec::new();
                    for (k, t) in m.body.iter().enumerate() {
                        if let Some(pi) = t.ident().and_then(|p| params.iter().position(|x| x == p)) {
                            let near_paste = (k > 0 && m.body[k - 1].is_punct("##"))
                                || m.body.get(k + 1).is_some_and(|t| t.is_punct("##"));
                            if near_paste {
                                body.extend(args[pi].iter().cloned());
                            } else {
                                body.extend(expand(&args[pi], look, hidden, depth + 1)?);
                            }
                        } else {
                            body.push(t.clone());
                        }
                    }
                    let body = paste(body)?;
                    hidden.push(name.clone());
                    let r = expand(&body, look, hidden, depth + 1);
                    hidden.pop();
                    out.extend(r?);
                    i = end;
                }
            },
            None => {
                out.push(toks[i].clone());
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Expands macros in `toks` completely.
pub fn expand_all(toks: &[Tok], look: Lookup<'_>) -> Result<Vec<Tok>, String> {
    expand(toks, look, &mut Vec::new(), 0)
}

fn parse_num(s: &str) -> Result<i128, String> {
    let l = s.to_ascii_lowercase();
    let (digits, radix) = if let Some(h) = l.strip_prefix("0x") {
        (h, 16)
    } else if l.len() > 1 && l.starts_with('0') && l.as_bytes()[1].is_ascii_digit() {
        (&l[1..], 8)
    } else {
        (&l[..], 10)
    };
    let end = digits.find(|c: char| !c.is_digit(radix)).unwrap_or(digits.len());
    let (num, suffix) = digits.split_at(end);
    if !suffix.chars().all(|c| "uil0123468".contains(c)) {
        return Err(format!("bad number `{s}`"));
    }
    if num.is_empty() {
        return if radix == 8 { Ok(0) } else { Err(format!("bad number `{s}`")) };
    }
    i128::from_str_radix(num, radix).map_err(|e| format!("bad number `{s}`: {e}"))
}

struct Parser<'a> {
    t: &'a [Tok],
    pos: usize,
}

fn int(v: Val) -> Result<i128, String> {
    match v {
        Val::Int(n) => Ok(n),
        Val::Str(s) => Err(format!("string {s:?} used as a number")),
    }
}

fn prec(op: &str) -> Option<u8> {
    Some(match op {
        "||" => 1,
        "&&" => 2,
        "|" => 3,
        "^" => 4,
        "&" => 5,
        "==" | "!=" => 6,
        "<" | ">" | "<=" | ">=" => 7,
        "<<" | ">>" => 8,
        "+" | "-" => 9,
        "*" | "/" | "%" => 10,
        _ => return None,
    })
}

impl Parser<'_> {
    fn punct(&self) -> Option<&str> {
        match self.t.get(self.pos) {
            Some(Tok::Punct(p)) => Some(p),
            _ => None,
        }
    }

    fn expect(&mut self, p: &str) -> Result<(), String> {
        if self.punct() == Some(p) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected `{p}`"))
        }
    }

    fn ternary(&mut self) -> Result<Val, String> {
        let c = self.binary(1)?;
        if self.punct() == Some("?") {
            self.pos += 1;
            let a = self.ternary()?;
            self.expect(":")?;
            let b = self.ternary()?;
            return Ok(if int(c)? != 0 { a } else { b });
        }
        Ok(c)
    }

    fn binary(&mut self, min: u8) -> Result<Val, String> {
        let mut lhs = self.unary()?;
        while let Some(op) = self.punct().map(str::to_string) {
            let Some(p) = prec(&op) else { break };
            if p < min {
                break;
            }
            self.pos += 1;
            let rhs = self.binary(p + 1)?;
            let (a, b) = (int(lhs)?, int(rhs)?);
            let shift = |b: i128| u32::try_from(b).ok().filter(|s| *s < 127).ok_or("bad shift");
            lhs = Val::Int(match op.as_str() {
                "||" => i128::from(a != 0 || b != 0),
                "&&" => i128::from(a != 0 && b != 0),
                "|" => a | b,
                "^" => a ^ b,
                "&" => a & b,
                "==" => i128::from(a == b),
                "!=" => i128::from(a != b),
                "<" => i128::from(a < b),
                ">" => i128::from(a > b),
                "<=" => i128::from(a <= b),
                ">=" => i128::from(a >= b),
                "<<" => a << shift(b)?,
                ">>" => a >> shift(b)?,
                "+" => a + b,
                "-" => a - b,
                "*" => a * b,
                "/" => a.checked_div(b).ok_or("division by zero")?,
                "%" => a.checked_rem(b).ok_or("division by zero")?,
                _ => unreachable!(),
            });
        }
        Ok(lhs)
    }

    /// `(T *)` followed by an operand: a cast, skipped.
    fn is_cast(&self) -> bool {
        let mut j = self.pos + 1;
        let mut names = 0;
        while let Some(t) = self.t.get(j) {
            match t {
                Tok::Ident(_) => names += 1,
                Tok::Punct(p) if p == "*" => {}
                _ => break,
            }
            j += 1;
        }
        names > 0
            && self.t.get(j).is_some_and(|t| t.is_punct(")"))
            && self.t.get(j + 1).is_some_and(|t| match t {
                Tok::Punct(p) => matches!(p.as_str(), "(" | "-" | "~" | "!" | "+"),
                _ => true,
            })
    }

    fn unary(&mut self) -> Result<Val, String> {
        let t = self.t.get(self.pos).ok_or("unexpected end of expression")?.clone();
        self.pos += 1;
        match t {
            Tok::Punct(p) => match p.as_str() {
                "-" => Ok(Val::Int(-int(self.unary()?)?)),
                "+" => Ok(Val::Int(int(self.unary()?)?)),
                "~" => Ok(Val::Int(!int(self.unary()?)?)),
                "!" => Ok(Val::Int(i128::from(int(self.unary()?)? == 0))),
                "(" => {
                    self.pos -= 1;
                    if self.is_cast() {
                        while !self.t[self.pos].is_punct(")") {
                            self.pos += 1;
                        }
                        self.pos += 1;
                        return self.unary();
                    }
                    self.pos += 1;
                    let v = self.ternary()?;
                    self.expect(")")?;
                    Ok(v)
                }
                _ => Err(format!("unexpected `{p}`")),
            },
            Tok::Num(n) => Ok(Val::Int(parse_num(&n)?)),
            Tok::Str(s) => {
                let mut s = s;
                while let Some(Tok::Str(more)) = self.t.get(self.pos) {
                    s.push_str(more);
                    self.pos += 1;
                }
                Ok(Val::Str(s))
            }
            Tok::Char(c) => Ok(Val::Int(c.chars().next().map_or(0, |c| c as i128))),
            Tok::Ident(name) => Err(format!("`{name}` is not a known constant")),
        }
    }
}

/// Evaluates a constant expression. In `#if` mode, `defined` works and names
/// left after expansion are 0, as in the C preprocessor.
pub fn eval(toks: &[Tok], look: Lookup<'_>, if_mode: bool) -> Result<Val, String> {
    let mut toks = toks.to_vec();
    if if_mode {
        let mut out = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            if toks[i].is_ident("defined") {
                let (name, next) = if toks.get(i + 1).is_some_and(|t| t.is_punct("(")) {
                    (toks.get(i + 2).and_then(Tok::ident).map(str::to_string), i + 4)
                } else {
                    (toks.get(i + 1).and_then(Tok::ident).map(str::to_string), i + 2)
                };
                let yes = name.is_some_and(|n| look(&n).is_some());
                out.push(Tok::Num(if yes { "1" } else { "0" }.into()));
                i = next;
            } else {
                out.push(toks[i].clone());
                i += 1;
            }
        }
        toks = out;
    }
    let mut ex = expand_all(&toks, look)?;
    if if_mode {
        for t in &mut ex {
            if let Tok::Ident(_) = t {
                *t = Tok::Num("0".into());
            }
        }
    }
    let mut p = Parser { t: &ex, pos: 0 };
    let v = p.ternary()?;
    if p.pos != ex.len() {
        return Err(format!("unexpected `{}`", ex[p.pos].text()));
    }
    Ok(v)
}

#[derive(Clone, Debug)]
pub struct EnumItem {
    pub expr: Option<Vec<Tok>>,
    pub prev: Option<String>,
    pub line: usize,
}

#[derive(Clone, Debug)]
pub struct StructInfo {
    pub fields: Vec<String>,
    pub line: usize,
}

#[derive(Clone, Debug)]
pub struct Proto {
    /// Parameter names in order (a `(void)` list is empty).
    pub params: Vec<String>,
    /// The identifiers before the name: return type, linkage, calling convention.
    pub ret: Vec<String>,
    pub line: usize,
}

/// One header, preprocessed and read.
pub struct Header {
    pub name: String,
    /// Active `#define`s in order; a name may appear more than once.
    pub defines: Vec<(String, Macro)>,
    pub enums: HashMap<String, EnumItem>,
    pub structs: HashMap<String, StructInfo>,
    pub protos: HashMap<String, Vec<Proto>>,
    /// C++ `Interface : public Base { virtual ... Method(...) = 0; }`.
    pub cpp_methods: HashMap<(String, String), Proto>,
    /// widl C vtables: `struct IfaceVtbl { R (CC *Method)(Iface *This, ...); }`.
    pub vtbl_methods: HashMap<(String, String), Proto>,
}

impl Header {
    pub fn define(&self, name: &str) -> Option<&Macro> {
        self.defines.iter().find(|(n, _)| n == name).map(|(_, m)| m)
    }

    pub fn defines_of(&self, name: &str) -> Vec<&Macro> {
        self.defines.iter().filter(|(n, _)| n == name).map(|(_, m)| m).collect()
    }

    /// Whether the header defines `name` in any way.
    pub fn has(&self, name: &str) -> bool {
        self.define(name).is_some()
            || self.enums.contains_key(name)
            || self.structs.contains_key(name)
            || self.protos.contains_key(name)
    }
}

fn directive(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim_start().strip_prefix('#')?.trim_start();
    let end = rest.find(|c: char| !c.is_ascii_alphanumeric() && c != '_').unwrap_or(rest.len());
    Some((&rest[..end], rest[end..].trim()))
}

fn parse_define(rest: &str, line: usize) -> Option<(String, Macro)> {
    let end = rest.find(|c: char| !c.is_ascii_alphanumeric() && c != '_').unwrap_or(rest.len());
    let name = &rest[..end];
    if name.is_empty() {
        return None;
    }
    let after = &rest[end..];
    if let Some(p) = after.strip_prefix('(') {
        let close = p.find(')')?;
        let params = p[..close]
            .split(',')
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .map(|s| if s == "..." { "__VA_ARGS__".to_string() } else { s.to_string() })
            .collect();
        Some((name.to_string(), Macro { params: Some(params), body: tokenize(&p[close + 1..]), line }))
    } else {
        Some((name.to_string(), Macro { params: None, body: tokenize(after), line }))
    }
}

/// Active `#define`s in order.
type Defines = Vec<(String, Macro)>;

struct Cond {
    parent: bool,
    active: bool,
    taken: bool,
}

/// Runs the conditional directives of `text` under `env`; returns the active
/// defines and the active code tokens (with line numbers).
fn preprocess(text: &str, env: &mut HashMap<String, Macro>) -> (Defines, Vec<(Tok, usize)>) {
    let stripped = String::from_utf8_lossy(&strip_comments(text.as_bytes())).into_owned();
    let mut defines = Vec::new();
    let mut code = Vec::new();
    let mut stack: Vec<Cond> = Vec::new();
    for (line_no, line) in logical_lines(&stripped) {
        let active = stack.last().is_none_or(|c| c.active);
        let Some((dir, rest)) = directive(&line) else {
            if active {
                code.extend(tokenize(&line).into_iter().map(|t| (t, line_no)));
            }
            continue;
        };
        let test = |env: &HashMap<String, Macro>, expr: &str| {
            let look = |n: &str| env.get(n).cloned().map(Def::Macro);
            eval(&tokenize(expr), &look, true).is_ok_and(|v| v != Val::Int(0))
        };
        match dir {
            "if" | "ifdef" | "ifndef" => {
                let v = active
                    && match dir {
                        "if" => test(env, rest),
                        "ifdef" => env.contains_key(rest.split_whitespace().next().unwrap_or("")),
                        _ => !env.contains_key(rest.split_whitespace().next().unwrap_or("")),
                    };
                stack.push(Cond { parent: active, active: v, taken: v });
            }
            "elif" => {
                if let Some(c) = stack.last() {
                    let (parent, taken) = (c.parent, c.taken);
                    let v = parent && !taken && test(env, rest);
                    if let Some(c) = stack.last_mut() {
                        c.active = v;
                        c.taken = taken || v;
                    }
                }
            }
            "else" => {
                if let Some(c) = stack.last_mut() {
                    c.active = c.parent && !c.taken;
                    c.taken = true;
                }
            }
            "endif" => {
                stack.pop();
            }
            _ if !active => {}
            "define" => {
                if let Some((name, m)) = parse_define(rest, line_no) {
                    env.insert(name.clone(), m.clone());
                    defines.push((name, m));
                }
            }
            "undef" => {
                env.remove(rest.trim());
            }
            _ => {}
        }
    }
    (defines, code)
}

const NOT_RETURN_TYPE: [&str; 13] = [
    "return",
    "if",
    "while",
    "for",
    "switch",
    "sizeof",
    "defined",
    "else",
    "case",
    "do",
    "__attribute__",
    "__declspec",
    "__typeof__",
];

/// The name a declarator declares: `T *name`, `T name[4]`, `R (CC *name)(...)`.
pub fn declarator_name(p: &[Tok]) -> Option<String> {
    if let Some(k) = p.iter().position(|t| t.is_punct("(")) {
        if let Some(c) = matching(p, k) {
            let inner = &p[k + 1..c];
            if inner.iter().any(|t| t.is_punct("*")) {
                if let Some(Tok::Ident(n)) = inner.last() {
                    return Some(n.clone());
                }
            }
        }
    }
    let mut depth = 0i32;
    let mut last = None;
    for t in p {
        match t {
            Tok::Punct(x) if x == "(" || x == "[" => depth += 1,
            Tok::Punct(x) if x == ")" || x == "]" => depth -= 1,
            Tok::Punct(x) if (x == ":" || x == "=") && depth == 0 => break,
            Tok::Ident(s) if depth == 0 => last = Some(s.clone()),
            _ => {}
        }
    }
    last
}

/// Parameter names of a parameter list (`(void)` is empty).
pub fn param_names(list: &[Tok]) -> Vec<String> {
    if list.is_empty() || (list.len() == 1 && (list[0].is_ident("void") || list[0].is_ident("VOID"))) {
        return Vec::new();
    }
    split_top(list, ",").into_iter().map(|p| declarator_name(p).unwrap_or_else(|| "<unnamed>".to_string())).collect()
}

fn parse_fields(body: &[Tok]) -> Vec<String> {
    let mut out = Vec::new();
    for d in split_top(body, ";") {
        if d.is_empty() {
            continue;
        }
        if let Some(ob) = d.iter().position(|t| t.is_punct("{")) {
            let Some(cb) = matching(d, ob) else { continue };
            let names: Vec<String> = split_top(&d[cb + 1..], ",")
                .into_iter()
                .filter(|p| !p.is_empty())
                .filter_map(declarator_name)
                .collect();
            if names.is_empty() {
                out.extend(parse_fields(&d[ob + 1..cb]));
            } else {
                out.extend(names);
            }
            continue;
        }
        out.extend(split_top(d, ",").into_iter().filter_map(declarator_name));
    }
    out
}

fn idents(toks: &[Tok]) -> Vec<String> {
    toks.iter().filter_map(Tok::ident).map(str::to_string).collect()
}

fn read_code(name: &str, defines: Vec<(String, Macro)>, code: Vec<(Tok, usize)>) -> Header {
    let (toks, lines): (Vec<Tok>, Vec<usize>) = code.into_iter().unzip();
    let mut h = Header {
        name: name.to_string(),
        defines,
        enums: HashMap::new(),
        structs: HashMap::new(),
        protos: HashMap::new(),
        cpp_methods: HashMap::new(),
        vtbl_methods: HashMap::new(),
    };
    let n = toks.len();
    let mut i = 0;
    while i < n {
        let t = &toks[i];
        // enum [tag] { A [= e], ... }
        if t.is_ident("enum") {
            let mut j = i + 1;
            if toks.get(j).and_then(Tok::ident).is_some() {
                j += 1;
            }
            if toks.get(j).is_some_and(|t| t.is_punct("{")) {
                if let Some(close) = matching(&toks, j) {
                    let mut prev: Option<String> = None;
                    let mut pos = j + 1;
                    for item in split_top(&toks[j + 1..close], ",") {
                        let line = lines[pos.min(n - 1)];
                        pos += item.len() + 1;
                        let Some(Tok::Ident(name)) = item.first() else {
                            continue;
                        };
                        let expr = (item.len() > 2 && item[1].is_punct("=")).then(|| item[2..].to_vec());
                        h.enums.insert(name.clone(), EnumItem { expr, prev: prev.clone(), line });
                        prev = Some(name.clone());
                    }
                }
            }
        }
        // [typedef] struct [tag] { fields } [names];
        if t.is_ident("struct") || t.is_ident("union") {
            let mut j = i + 1;
            let tag = toks.get(j).and_then(Tok::ident).map(str::to_string);
            if tag.is_some() {
                j += 1;
            }
            if toks.get(j).is_some_and(|t| t.is_punct("{")) {
                if let Some(close) = matching(&toks, j) {
                    let info = StructInfo { fields: parse_fields(&toks[j + 1..close]), line: lines[i] };
                    let mut names: Vec<String> = tag.into_iter().collect();
                    if i > 0 && toks[i - 1].is_ident("typedef") {
                        let end = toks[close..].iter().position(|t| t.is_punct(";")).map_or(n, |e| close + e);
                        for d in split_top(&toks[close + 1..end], ",") {
                            if !d.iter().any(|t| t.is_punct("*")) {
                                names.extend(declarator_name(d));
                            }
                        }
                    }
                    for name in names {
                        h.structs.entry(name).or_insert_with(|| info.clone());
                    }
                }
            }
        }
        // R CC Name(params);
        if let (Some(name), true) = (t.ident(), i > 0) {
            let prev_ok = match &toks[i - 1] {
                Tok::Ident(p) => !NOT_RETURN_TYPE.contains(&p.as_str()),
                Tok::Punct(p) => p == "*",
                _ => false,
            };
            if prev_ok && toks.get(i + 1).is_some_and(|t| t.is_punct("(")) {
                if let Some(close) = matching(&toks, i + 1) {
                    let after_ok = toks.get(close + 1).is_some_and(|t| {
                        t.is_punct(";") || t.is_punct("{") || t.is_punct("=") || matches!(t, Tok::Ident(_))
                    });
                    if after_ok {
                        let mut s = i;
                        while s > 0
                            && !(toks[s - 1].is_punct(";") || toks[s - 1].is_punct("}") || toks[s - 1].is_punct("{"))
                        {
                            s -= 1;
                        }
                        let proto = Proto {
                            params: param_names(&toks[i + 2..close]),
                            ret: idents(&toks[s..i]),
                            line: lines[i],
                        };
                        h.protos.entry(name.to_string()).or_default().push(proto);
                    }
                }
            }
        }
        // Iface : public Base { virtual R CC Method(params) = 0; ... }
        if let (Some(iface), true) = (t.ident(), toks.get(i + 1).is_some_and(|t| t.is_punct(":"))) {
            if toks.get(i + 2).is_some_and(|t| t.is_ident("public")) {
                if let Some(open) = toks[i..].iter().position(|t| t.is_punct("{")).map(|p| i + p) {
                    if let Some(close) = matching(&toks, open) {
                        let body = &toks[open + 1..close];
                        for (k, bt) in body.iter().enumerate() {
                            if !bt.is_ident("virtual") {
                                continue;
                            }
                            let Some(po) = body[k..].iter().position(|t| t.is_punct("(")).map(|p| k + p) else {
                                continue;
                            };
                            let (Some(Tok::Ident(m)), Some(pc)) = (body.get(po.wrapping_sub(1)), matching(body, po))
                            else {
                                continue;
                            };
                            let proto = Proto {
                                params: param_names(&body[po + 1..pc]),
                                ret: idents(&body[k + 1..po - 1]),
                                line: lines[open + 1 + k],
                            };
                            h.cpp_methods.insert((iface.to_string(), m.clone()), proto);
                        }
                    }
                }
            }
        }
        // struct IfaceVtbl { R (CC *Method)(Iface *This, ...); ... }
        if let (true, Some(Tok::Ident(vt))) = (t.is_ident("struct"), toks.get(i + 1)) {
            if let (Some(iface), true) = (vt.strip_suffix("Vtbl"), toks.get(i + 2).is_some_and(|t| t.is_punct("{"))) {
                if let Some(close) = matching(&toks, i + 2) {
                    let body = &toks[i + 3..close];
                    let mut k = 0;
                    while k < body.len() {
                        if body[k].is_punct("(") {
                            if let Some(c1) = matching(body, k) {
                                let inner = &body[k + 1..c1];
                                if let (true, Some(Tok::Ident(m)), true) = (
                                    inner.iter().any(|t| t.is_punct("*")),
                                    inner.last(),
                                    body.get(c1 + 1).is_some_and(|t| t.is_punct("(")),
                                ) {
                                    if let Some(c2) = matching(body, c1 + 1) {
                                        let mut s = k;
                                        while s > 0 && !body[s - 1].is_punct(";") {
                                            s -= 1;
                                        }
                                        let proto = Proto {
                                            params: param_names(&body[c1 + 2..c2]),
                                            ret: idents(&body[s..k]),
                                            line: lines[i + 3 + k],
                                        };
                                        h.vtbl_methods.insert((iface.to_string(), m.clone()), proto);
                                        k = c2;
                                    }
                                }
                            }
                        }
                        k += 1;
                    }
                }
            }
        }
        i += 1;
    }
    h
}

/// Which language the headers are read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// C with `COBJMACROS`: vtables and `Iface_Method(This, ...)` macros.
    C,
    /// C++: interface classes.
    Cpp,
}

/// Every header's identifiers, to find where a name may be defined.
pub struct Index {
    pub files: Vec<String>,
    by_lower: HashMap<String, usize>,
    by_ident: HashMap<String, Vec<u16>>,
    /// Names on `#define NAME` lines (read without conditionals).
    by_define: HashMap<String, Vec<u16>>,
    texts: Vec<String>,
}

impl Index {
    pub fn build(dir: &Path) -> std::io::Result<Index> {
        let mut files: Vec<String> = std::fs::read_dir(dir)?
            .filter_map(Result::ok)
            .filter(|e| e.path().is_file())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        files.sort();
        let mut texts = Vec::with_capacity(files.len());
        let mut by_ident: HashMap<String, Vec<u16>> = HashMap::new();
        let mut by_define: HashMap<String, Vec<u16>> = HashMap::new();
        for (fi, f) in files.iter().enumerate() {
            let bytes = std::fs::read(dir.join(f))?;
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let b = text.as_bytes();
            let mut seen: HashSet<&str> = HashSet::new();
            let mut i = 0;
            while i < b.len() {
                let c = b[i];
                if c.is_ascii_alphabetic() || c == b'_' {
                    let s = i;
                    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                        i += 1;
                    }
                    if i - s >= 2 {
                        seen.insert(&text[s..i]);
                    }
                } else if c.is_ascii_digit() {
                    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                        i += 1;
                    }
                } else {
                    i += 1;
                }
            }
            let fi = u16::try_from(fi).unwrap_or(u16::MAX);
            // Each list stays in file order whatever order `seen` yields.
            #[allow(clippy::iter_over_hash_type)]
            for s in seen {
                by_ident.entry(s.to_string()).or_default().push(fi);
            }
            for line in text.lines() {
                if let Some(("define", rest)) = directive(line) {
                    let end = rest.find(|c: char| !c.is_ascii_alphanumeric() && c != '_').unwrap_or(rest.len());
                    let list = by_define.entry(rest[..end].to_string()).or_default();
                    if list.last() != Some(&fi) {
                        list.push(fi);
                    }
                }
            }
            texts.push(text);
        }
        let by_lower = files.iter().enumerate().map(|(i, f)| (f.to_ascii_lowercase(), i)).collect();
        Ok(Index { files, by_lower, by_ident, by_define, texts })
    }

    fn file(&self, name: &str) -> Option<usize> {
        self.by_lower.get(&name.to_ascii_lowercase()).copied()
    }

    /// The headers in which `name` appears as a word, in file-name order.
    pub fn mentions(&self, name: &str) -> Vec<String> {
        self.by_ident
            .get(name)
            .map_or_else(Vec::new, |v| v.iter().map(|&i| self.files[usize::from(i)].clone()).collect())
    }

    /// `#include`s of a header read without conditionals (a superset).
    fn raw_includes(&self, file: usize) -> Vec<String> {
        self.texts[file]
            .lines()
            .filter_map(|l| {
                let (d, rest) = directive(l)?;
                (d == "include").then(|| {
                    let inner = rest.trim_matches(|c| c == '<' || c == '>' || c == '"' || c == ' ');
                    inner.rsplit('/').next().unwrap_or(inner).to_string()
                })
            })
            .collect()
    }
}

/// The headers, read lazily in one [`Mode`].
pub struct World {
    index: Rc<Index>,
    base: HashMap<String, Macro>,
    headers: RefCell<HashMap<usize, Rc<Header>>>,
    closures: RefCell<HashMap<usize, Rc<Vec<usize>>>>,
    external_cache: RefCell<HashMap<(String, String), Option<usize>>>,
    depth: Cell<usize>,
}

/// Headers whose macros every header sees (they configure the others).
const PRELUDE: [&str; 4] = ["_mingw_mac.h", "sdkddkver.h", "winapifamily.h", "_mingw_unicode.h"];

impl World {
    pub fn new(index: Rc<Index>, mode: Mode) -> World {
        let mut base: HashMap<String, Macro> = HashMap::new();
        let predefined: &[(&str, &str)] = &[
            ("_WIN32", "1"),
            ("_WIN64", "1"),
            ("WIN32", "1"),
            ("__x86_64__", "1"),
            ("__x86_64", "1"),
            ("_AMD64_", "1"),
            ("__MINGW32__", "1"),
            ("__MINGW64__", "1"),
            ("UNICODE", "1"),
            ("_UNICODE", "1"),
            ("SECURITY_WIN32", "1"),
            ("_WIN32_WINNT", "0x0A00"),
            ("WINVER", "0x0A00"),
            ("NTDDI_VERSION", "0x0A00000B"),
        ];
        for (n, v) in predefined {
            base.insert((*n).to_string(), Macro::object(v));
        }
        match mode {
            Mode::C => base.insert("COBJMACROS".into(), Macro::object("1")),
            Mode::Cpp => base.insert("__cplusplus".into(), Macro::object("201703L")),
        };
        for f in PRELUDE {
            if let Some(fi) = index.file(f) {
                let _ = preprocess(&index.texts[fi], &mut base);
            }
        }
        World {
            index,
            base,
            headers: RefCell::new(HashMap::new()),
            closures: RefCell::new(HashMap::new()),
            external_cache: RefCell::new(HashMap::new()),
            depth: Cell::new(0),
        }
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    /// The header of that name, read (its actual file name may differ in case).
    pub fn header(&self, name: &str) -> Option<Rc<Header>> {
        let fi = self.index.file(name)?;
        if let Some(h) = self.headers.borrow().get(&fi) {
            return Some(h.clone());
        }
        let mut env = self.base.clone();
        let (defines, code) = preprocess(&self.index.texts[fi], &mut env);
        let h = Rc::new(read_code(&self.index.files[fi], defines, code));
        self.headers.borrow_mut().insert(fi, h.clone());
        Some(h)
    }

    /// The header and everything it includes, breadth first (includes read
    /// without conditionals).
    pub fn closure(&self, name: &str) -> Rc<Vec<usize>> {
        let Some(fi) = self.index.file(name) else {
            return Rc::new(Vec::new());
        };
        if let Some(c) = self.closures.borrow().get(&fi) {
            return c.clone();
        }
        let mut seen = HashSet::from([fi]);
        let mut order = vec![fi];
        let mut queue = VecDeque::from([fi]);
        while let Some(f) = queue.pop_front() {
            for inc in self.index.raw_includes(f) {
                if let Some(g) = self.index.file(&inc) {
                    if seen.insert(g) {
                        order.push(g);
                        queue.push_back(g);
                    }
                }
            }
        }
        let c = Rc::new(order);
        self.closures.borrow_mut().insert(fi, c.clone());
        c
    }

    /// The headers of `name`'s include closure that define `what` (read to be sure).
    pub fn defining_in_closure(&self, name: &str, what: &str) -> Vec<Rc<Header>> {
        let mentions: HashSet<String> = self.index.mentions(what).into_iter().collect();
        self.closure(name)
            .iter()
            .filter(|&&f| mentions.contains(&self.index.files[f]))
            .filter_map(|&f| self.header(&self.index.files[f]))
            .filter(|h| h.has(what))
            .collect()
    }

    /// Every header that defines `what`.
    pub fn defining_anywhere(&self, what: &str) -> Vec<Rc<Header>> {
        self.index.mentions(what).iter().filter_map(|f| self.header(f)).filter(|h| h.has(what)).collect()
    }

    /// What `name` means when it appears in a definition of header `h`.
    pub fn lookup(&self, h: &Header, name: &str) -> Option<Def> {
        if let Some(m) = h.define(name) {
            return Some(Def::Macro(m.clone()));
        }
        if h.enums.contains_key(name) {
            return self.enum_value(h, name).ok().map(Def::Value);
        }
        if let Some(m) = self.base.get(name) {
            return Some(Def::Macro(m.clone()));
        }
        let other = self.header(&self.index.files[self.external(h, name)?])?;
        if let Some(m) = other.define(name) {
            return Some(Def::Macro(m.clone()));
        }
        self.enum_value(&other, name).ok().map(Def::Value)
    }

    /// Another header that gives `name` a value: one `h` includes, else any
    /// header with a `#define` of it.
    fn external(&self, h: &Header, name: &str) -> Option<usize> {
        let key = (h.name.clone(), name.to_string());
        if let Some(r) = self.external_cache.borrow().get(&key) {
            return *r;
        }
        let gives = |f: usize| {
            f != self.index.file(&h.name).unwrap_or(usize::MAX)
                && self
                    .header(&self.index.files[f])
                    .is_some_and(|o| o.define(name).is_some() || o.enums.contains_key(name))
        };
        let mentions: HashSet<u16> =
            self.index.by_ident.get(name).map(|v| v.iter().copied().collect()).unwrap_or_default();
        let r = self
            .closure(&h.name)
            .iter()
            .copied()
            .filter(|&f| u16::try_from(f).is_ok_and(|f| mentions.contains(&f)))
            .find(|&f| gives(f))
            .or_else(|| {
                let defs = self.index.by_define.get(name)?;
                defs.iter().map(|&f| usize::from(f)).find(|&f| gives(f))
            });
        self.external_cache.borrow_mut().insert(key, r);
        r
    }

    /// Evaluates tokens as they would be in header `h`.
    pub fn eval_in(&self, h: &Header, toks: &[Tok]) -> Result<Val, String> {
        if self.depth.get() > 200 {
            return Err("lookup recursion too deep".into());
        }
        self.depth.set(self.depth.get() + 1);
        let look = |n: &str| self.lookup(h, n);
        let r = eval(toks, &look, false);
        self.depth.set(self.depth.get() - 1);
        r
    }

    pub fn expand_in(&self, h: &Header, toks: &[Tok]) -> Result<Vec<Tok>, String> {
        let look = |n: &str| self.lookup(h, n);
        expand_all(toks, &look)
    }

    pub fn enum_value(&self, h: &Header, name: &str) -> Result<Val, String> {
        let item = h.enums.get(name).ok_or_else(|| format!("no enumerator {name}"))?;
        match (&item.expr, &item.prev) {
            (Some(e), _) => self.eval_in(h, e),
            (None, None) => Ok(Val::Int(0)),
            (None, Some(p)) => match self.enum_value(h, p)? {
                Val::Int(v) => Ok(Val::Int(v + 1)),
                Val::Str(_) => Err("string enumerator".into()),
            },
        }
    }

    /// Every value header `h` gives `name` (one per active definition), with its line.
    pub fn values_of(&self, h: &Header, name: &str) -> Vec<(Result<Val, String>, usize)> {
        let mut out: Vec<_> = h
            .defines_of(name)
            .into_iter()
            .filter(|m| m.params.is_none())
            .map(|m| (self.eval_in(h, &m.body), m.line))
            .collect();
        if let Some(item) = h.enums.get(name) {
            out.push((self.enum_value(h, name), item.line));
        }
        out
    }
}

/// The directory of the mingw-w64 headers (`RPCLINT_MINGW_INCLUDE` overrides it).
pub fn mingw_dir() -> PathBuf {
    std::env::var_os("RPCLINT_MINGW_INCLUDE")
        .map_or_else(|| PathBuf::from("/usr/share/mingw-w64/include"), PathBuf::from)
}
