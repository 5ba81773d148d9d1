//! The knowledge base (`rules/api.toml`) checked against the real headers.
//!
//! `kb_matches_headers` reads the mingw-w64 headers (Debian package
//! `mingw-w64-x86-64-dev`, `/usr/share/mingw-w64/include`) with its own small
//! preprocessor (`kb_headers/cheaders.rs`, not rpclint's frontends) and, for
//! facts marked `windows-sys:<module>`, the windows-sys 0.61.2 sources. It
//! fails listing every disagreement: a constant missing from its header or
//! with another value; a function, COM method or struct whose parameters or
//! fields differ in number, name or order; an A/W flag that does not match
//! the header's macros; a `windows-sys:` fact that mingw-w64 does have.
//!
//! Without the headers it prints how to install them and passes, unless
//! `RPCLINT_REQUIRE_HEADERS=1` (CI should set it and install the package).
//! `RPCLINT_MINGW_INCLUDE` points it at another include directory.
//! Run with `-- --nocapture` to see how many facts were verified.
//!
//! `kb_is_well_formed` checks the file itself: it parses, names are unique,
//! helpers are not APIs, and every API and constant the rules name is there.

#[path = "kb_headers/cheaders.rs"]
mod cheaders;
#[path = "kb_headers/winsys.rs"]
mod winsys;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::rc::Rc;

use cheaders::{Index, Mode, Tok, Val, World};
use rpclint::kb::{API_TOML, Api, ConstValue, Effect, HelperKind, Kb, KbFile, Returns, ScaleLevel, SetKind};
use winsys::WsModule;

const WS_PREFIX: &str = "windows-sys:";

/// Names the knowledge base carries that no source here declares: the Windows
/// SDK has them, mingw-w64 and windows-sys do not. Printed, never silently passed.
const UNVERIFIABLE: &[(&str, &str)] = &[
    (
        "RPC_SECURITY_QOS_V4",
        "the SDK's UNICODE macro for RPC_SECURITY_QOS_V4_W; mingw-w64 lacks V4, windows-sys has only _A/_W",
    ),
    (
        "RPC_SECURITY_QOS_V5",
        "the SDK's UNICODE macro for RPC_SECURITY_QOS_V5_W; mingw-w64 lacks V5, windows-sys has only _A/_W",
    ),
];

/// Return types that say whether the call worked.
const STATUS_TYPES: &[&str] =
    &["RPC_STATUS", "HRESULT", "SECURITY_STATUS", "WINBOOL", "BOOL", "WINOLEAPI", "STDAPI", "NTSTATUS"];

fn load_kb() -> KbFile {
    match toml::from_str::<KbFile>(API_TOML) {
        Ok(f) => f,
        Err(e) => panic!("rules/api.toml does not parse: {e}"),
    }
}

#[derive(Default)]
struct Report {
    problems: Vec<String>,
    notes: Vec<String>,
    verified: BTreeMap<&'static str, usize>,
}

impl Report {
    fn problem(&mut self, p: String) {
        self.problems.push(p);
    }

    fn ok(&mut self, what: &'static str) {
        *self.verified.entry(what).or_default() += 1;
    }
}

struct Sources {
    c: World,
    cpp: World,
    ws_root: PathBuf,
    ws_modules: RefCell<HashMap<String, Rc<WsModule>>>,
}

impl Sources {
    fn ws(&self, module: &str) -> Result<Rc<WsModule>, String> {
        if let Some(m) = self.ws_modules.borrow().get(module) {
            return Ok(m.clone());
        }
        let path = winsys::module_path(&self.ws_root, module);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let m = Rc::new(winsys::parse_module(&text));
        self.ws_modules.borrow_mut().insert(module.to_string(), m.clone());
        Ok(m)
    }

    /// mingw-w64 headers that give `name` a value (`#define` or enumerator).
    fn mingw_value_headers(&self, name: &str) -> Vec<String> {
        self.c
            .defining_anywhere(name)
            .iter()
            .filter(|h| h.define(name).is_some() || h.enums.contains_key(name))
            .map(|h| h.name.clone())
            .collect()
    }

    /// mingw-w64 headers that declare function `name`.
    fn mingw_proto_headers(&self, name: &str) -> Vec<String> {
        self.c.defining_anywhere(name).iter().filter(|h| h.protos.contains_key(name)).map(|h| h.name.clone()).collect()
    }
}

fn same_value(kb: &ConstValue, v: &Val) -> bool {
    match (kb, v) {
        (ConstValue::Int(a), Val::Int(b)) => {
            // C constants are 32-bit here: -1 and 0xFFFFFFFF are the same value.
            let a = i128::from(*a);
            let in32 = |x: i128| (-(1i128 << 31)..(1i128 << 32)).contains(&x);
            a == *b || (in32(a) && in32(*b) && (a & 0xFFFF_FFFF) == (b & 0xFFFF_FFFF))
        }
        (ConstValue::Str(a), Val::Str(b)) => a == b,
        _ => false,
    }
}

fn show(v: &ConstValue) -> String {
    match v {
        ConstValue::Int(n) if *n < 0 => n.to_string(),
        ConstValue::Int(n) => format!("{n:#x}"),
        ConstValue::Str(s) => format!("{s:?}"),
    }
}

fn compare_names(r: &mut Report, what: &'static str, who: &str, got: &[String], want: &[&str], at: &str) {
    if got.len() != want.len() {
        r.problem(format!(
            "{who}: {at} has {} parameter(s) ({}), api.toml has {} ({})",
            got.len(),
            got.join(", "),
            want.len(),
            want.join(", ")
        ));
        return;
    }
    let mut ok = true;
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        if !g.eq_ignore_ascii_case(w) {
            r.problem(format!("{who}: parameter {i} is `{g}` at {at}, api.toml says `{w}`"));
            ok = false;
        }
    }
    if ok {
        r.ok(what);
    }
}

fn check_constants(src: &Sources, kb: &KbFile, r: &mut Report) {
    for (group, consts) in &kb.constants {
        if let Some(module) = group.strip_prefix(WS_PREFIX) {
            let m = match src.ws(module) {
                Ok(m) => m,
                Err(e) => {
                    r.problem(format!("[constants.\"{group}\"]: {e}"));
                    continue;
                }
            };
            for (name, want) in consts {
                match m.consts.get(name) {
                    None => r.problem(format!("constant {name}: not in windows-sys {}/mod.rs", module)),
                    Some((None, raw, line)) => {
                        r.problem(format!("constant {name}: cannot read `{raw}` at windows-sys {module}/mod.rs:{line}"))
                    }
                    Some((Some(v), raw, line)) => {
                        if same_value(want, v) {
                            r.ok("constants (windows-sys)");
                        } else {
                            r.problem(format!(
                                "constant {name} = {} in api.toml, but windows-sys {module}/mod.rs:{line} has `{raw}`",
                                show(want)
                            ));
                        }
                    }
                }
                let mingw = src.mingw_value_headers(name);
                if !mingw.is_empty() {
                    r.problem(format!(
                        "constant {name} is under [constants.\"{group}\"] but mingw-w64 defines it in {}: group it there",
                        mingw.join(", ")
                    ));
                }
            }
            continue;
        }
        let Some(h) = src.c.header(group) else {
            r.problem(format!("[constants.\"{group}\"]: no such mingw-w64 header"));
            continue;
        };
        for (name, want) in consts {
            let values = src.c.values_of(&h, name);
            if values.is_empty() {
                let other = src.mingw_value_headers(name);
                r.problem(if other.is_empty() {
                    format!("constant {name}: not defined in {group}, nor in any other mingw-w64 header")
                } else {
                    format!("constant {name}: not defined in {group}; mingw-w64 defines it in {}", other.join(", "))
                });
                continue;
            }
            if values.iter().any(|(v, _)| v.as_ref().is_ok_and(|v| same_value(want, v))) {
                r.ok("constants (mingw-w64)");
            } else {
                let found: Vec<String> = values
                    .iter()
                    .map(|(v, line)| match v {
                        Ok(v) => format!("{group}:{line} gives {v}"),
                        Err(e) => format!("{group}:{line} cannot be evaluated: {e}"),
                    })
                    .collect();
                r.problem(format!("constant {name} = {} in api.toml, but {}", show(want), found.join("; ")));
            }
        }
    }
}

/// Whether a declared return type is the status kind `returns` says.
fn is_status_ret(returns: Returns, ret: &[String]) -> bool {
    let allowed: &[&str] = match returns {
        Returns::RpcStatus => &["RPC_STATUS"],
        Returns::Hresult => &["HRESULT", "SECURITY_STATUS", "WINOLEAPI", "STDAPI", "NTSTATUS"],
        Returns::Bool => &["BOOL", "WINBOOL"],
        Returns::Other => return true,
    };
    debug_assert!(allowed.iter().all(|t| STATUS_TYPES.contains(t)));
    ret.iter().any(|t| allowed.contains(&t.as_str()))
}

fn check_functions(src: &Sources, kb: &KbFile, r: &mut Report) {
    for api in &kb.function {
        let want: Vec<&str> = api.params.iter().map(|p| p.name.as_str()).collect();
        let variants: Vec<String> =
            if api.aw { vec![format!("{}A", api.name), format!("{}W", api.name)] } else { vec![api.name.clone()] };
        if let Some(module) = api.header.strip_prefix(WS_PREFIX) {
            let m = match src.ws(module) {
                Ok(m) => m,
                Err(e) => {
                    r.problem(format!("function {}: {e}", api.name));
                    continue;
                }
            };
            for v in &variants {
                let Some(f) = m.fns.get(v) else {
                    r.problem(format!("function {v}: not in windows-sys {module}/mod.rs"));
                    continue;
                };
                let at = format!("windows-sys {module}/mod.rs:{}", f.line);
                compare_names(r, "function prototypes (windows-sys)", v, &f.params, &want, &at);
                let ret = f.ret.rsplit("::").next().unwrap_or("").trim().to_string();
                if !is_status_ret(api.returns, &[ret]) {
                    r.problem(format!("function {v}: returns = {:?} but {at} returns `{}`", api.returns, f.ret));
                }
            }
            let bare = (!api.aw).then_some(&api.name);
            for v in variants.iter().filter(|v| Some(*v) != bare).chain(std::iter::once(&api.name)) {
                let mingw = src.mingw_proto_headers(v);
                if !mingw.is_empty() {
                    r.problem(format!(
                        "function {v}: header = \"{}\" but mingw-w64 declares it in {}: cite that header",
                        api.header,
                        mingw.join(", ")
                    ));
                }
            }
            continue;
        }
        if src.c.header(&api.header).is_none() {
            r.problem(format!("function {}: no mingw-w64 header {}", api.name, api.header));
            continue;
        }
        for v in &variants {
            let found: Vec<_> =
                src.c.defining_in_closure(&api.header, v).into_iter().filter(|h| h.protos.contains_key(v)).collect();
            let Some(h) = found.first() else {
                let other = src.mingw_proto_headers(v);
                r.problem(if other.is_empty() {
                    format!("function {v}: not declared in {} (nor in any mingw-w64 header)", api.header)
                } else {
                    format!(
                        "function {v}: not declared in {} or what it includes; declared in {}",
                        api.header,
                        other.join(", ")
                    )
                });
                continue;
            };
            if h.name != api.header {
                r.notes.push(format!("{v} is declared in {}, which {} includes", h.name, api.header));
            }
            cross_check_windows_sys(src, v, &want, r);
            for proto in &h.protos[v] {
                let at = format!("{}:{}", h.name, proto.line);
                compare_names(r, "function prototypes (mingw-w64)", v, &proto.params, &want, &at);
                if !is_status_ret(api.returns, &proto.ret) {
                    r.problem(format!(
                        "function {v}: returns = {:?} but {at} declares `{}`",
                        api.returns,
                        proto.ret.join(" ")
                    ));
                }
            }
        }
        if api.aw {
            let found: Vec<_> = src
                .c
                .defining_in_closure(&api.header, &api.name)
                .into_iter()
                .filter(|h| h.define(&api.name).is_some())
                .collect();
            match found.first() {
                None => r.problem(format!(
                    "function {}: aw = true but {} has no `#define {}` selecting the A/W form",
                    api.name, api.header, api.name
                )),
                Some(h) => {
                    let wide = format!("{}W", api.name);
                    match src.c.expand_in(h, &[Tok::Ident(api.name.clone())]) {
                        Ok(t) if t == [Tok::Ident(wide.clone())] => r.ok("A/W macros"),
                        Ok(t) => r.problem(format!(
                            "function {}: under UNICODE {} expands it to `{}`, not {wide}",
                            api.name,
                            h.name,
                            t.iter().map(Tok::text).collect::<Vec<_>>().join(" ")
                        )),
                        Err(e) => {
                            r.problem(format!("function {}: cannot expand its macro in {}: {e}", api.name, h.name))
                        }
                    }
                }
            }
        } else {
            for suffix in ["A", "W"] {
                let v = format!("{}{suffix}", api.name);
                if src.c.defining_in_closure(&api.header, &v).iter().any(|h| h.protos.contains_key(&v)) {
                    r.problem(format!("function {}: {} declares {v}: set aw = true", api.name, api.header));
                }
            }
        }
    }
}

/// The windows-sys modules that hold the functions of the knowledge base.
const RUST_MODULES: &[&str] = &[
    "Win32/System/Rpc",
    "Win32/System/Com",
    "Win32/Security/Authentication/Identity",
    "Win32/Security",
    "Win32/System/Pipes",
    "Win32/System/Threading",
    "Win32/Storage/FileSystem",
];

/// Where windows-sys keeps the constants of the knowledge base.
const RUST_CONST_MODULES: &[&str] = &[
    "Win32/System/Rpc",
    "Win32/System/Com",
    "Win32/Security/Authentication/Identity",
    "Win32/Security",
    "Win32/Security/Credentials",
    "Win32/Storage/FileSystem",
    "Win32/System/Pipes",
    "Win32/Foundation",
];

/// Rust code names the same constants: where windows-sys has a mingw-w64
/// constant, the values must agree.
fn cross_check_constants(src: &Sources, kb: &KbFile, r: &mut Report) {
    let mut absent = Vec::new();
    for (group, consts) in &kb.constants {
        if group.starts_with(WS_PREFIX) {
            continue;
        }
        for (name, want) in consts {
            let found = RUST_CONST_MODULES.iter().find_map(|m| {
                let module = src.ws(m).ok()?;
                module.consts.get(name).map(|(v, raw, line)| (v.clone(), raw.clone(), format!("{m}/mod.rs:{line}")))
            });
            match found {
                None => absent.push(name.as_str()),
                Some((Some(v), _, _)) if same_value(want, &v) => r.ok("constants (windows-sys cross-check)"),
                Some((_, raw, at)) => r.problem(format!(
                    "constant {name} = {} in api.toml ({group}), but windows-sys {at} has `{raw}`",
                    show(want)
                )),
            }
        }
    }
    if !absent.is_empty() {
        r.notes.push(format!("not in windows-sys (C-only names): {}", absent.join(", ")));
    }
}

/// Rust call sites use positions: windows-sys must have the same parameters
/// in the same order as the C header (its names are lower case).
fn cross_check_windows_sys(src: &Sources, name: &str, want: &[&str], r: &mut Report) {
    let found = RUST_MODULES.iter().find_map(|m| {
        let module = src.ws(m).ok()?;
        module.fns.get(name).map(|f| (f.params.clone(), format!("windows-sys {m}/mod.rs:{}", f.line)))
    });
    match found {
        None => r.notes.push(format!("{name} is not in the windows-sys modules searched")),
        Some((got, at)) => compare_names(r, "function prototypes (windows-sys cross-check)", name, &got, want, &at),
    }
}

fn check_methods(src: &Sources, kb: &KbFile, r: &mut Report) {
    for m in &kb.method {
        let who = m.display();
        let Some(iface) = m.interface.as_deref() else {
            r.problem(format!("method {who}: no interface"));
            continue;
        };
        let want: Vec<&str> = m.params.iter().map(|p| p.name.as_str()).collect();
        let key = (iface.to_string(), m.name.clone());
        let (Some(cpp), Some(c)) = (src.cpp.header(&m.header), src.c.header(&m.header)) else {
            r.problem(format!("method {who}: no mingw-w64 header {}", m.header));
            continue;
        };
        match cpp.cpp_methods.get(&key) {
            None => r.problem(format!("method {who}: no C++ declaration in {}", m.header)),
            Some(p) => {
                let at = format!("{}:{} (C++ class)", m.header, p.line);
                compare_names(r, "COM methods: C++ declarations", &who, &p.params, &want, &at);
                if !is_status_ret(m.returns, &p.ret) {
                    r.problem(format!(
                        "method {who}: returns = {:?} but {at} returns `{}`",
                        m.returns,
                        p.ret.join(" ")
                    ));
                }
            }
        }
        match c.vtbl_methods.get(&key) {
            None => r.problem(format!("method {who}: no entry in {iface}Vtbl in {}", m.header)),
            Some(p) => {
                let at = format!("{}:{} ({iface}Vtbl)", m.header, p.line);
                match p.params.split_first() {
                    Some((this, rest)) if this == "This" => {
                        compare_names(r, "COM methods: C vtables", &who, rest, &want, &at)
                    }
                    _ => r.problem(format!("method {who}: {at} does not start with `This`")),
                }
            }
        }
        let mac = format!("{iface}_{}", m.name);
        match (c.define(&mac), m.c_macro) {
            (Some(d), true) => {
                let at = format!("{}:{} (#define {mac})", m.header, d.line);
                match d.params.as_deref().and_then(<[String]>::split_first) {
                    Some((this, rest)) if this == "This" => {
                        compare_names(r, "COM methods: C macros", &who, rest, &want, &at)
                    }
                    _ => r.problem(format!("method {who}: {at} does not take `This` first")),
                }
            }
            (None, true) => {
                r.problem(format!("method {who}: c-macro = true but {} has no {mac} under COBJMACROS", m.header))
            }
            (Some(_), false) => r.problem(format!("method {who}: {} defines {mac}: set c-macro = true", m.header)),
            (None, false) => {}
        }
    }
}

/// The fields of struct `name`: mingw-w64 `header` (directly or through a
/// `__MINGW_NAME_UAW` macro), else a windows-sys module the knowledge base uses.
fn struct_fields(
    src: &Sources,
    header: &str,
    name: &str,
    ws_modules: &BTreeSet<String>,
) -> Option<(Vec<String>, String)> {
    if let Some(module) = header.strip_prefix(WS_PREFIX) {
        let m = src.ws(module).ok()?;
        return m.structs.get(name).map(|f| (f.clone(), format!("windows-sys {module}/mod.rs")));
    }
    if let Some(h) = src.c.header(header) {
        if let Some(s) = h.structs.get(name) {
            return Some((s.fields.clone(), format!("{}:{}", h.name, s.line)));
        }
        if h.define(name).is_some() {
            if let Ok(t) = src.c.expand_in(&h, &[Tok::Ident(name.to_string())]) {
                if let [Tok::Ident(target)] = t.as_slice() {
                    if let Some(s) = h.structs.get(target) {
                        return Some((s.fields.clone(), format!("{}:{} (via {name} -> {target})", h.name, s.line)));
                    }
                }
            }
        }
    }
    ws_modules.iter().find_map(|module| {
        let m = src.ws(module).ok()?;
        m.structs.get(name).map(|f| (f.clone(), format!("windows-sys {module}/mod.rs")))
    })
}

fn check_structs(src: &Sources, kb: &KbFile, ws_modules: &BTreeSet<String>, r: &mut Report) {
    let mut unverifiable_used: HashSet<&str> = HashSet::new();
    for s in &kb.structs {
        let want: Vec<String> = s.fields.iter().map(|f| f.name.clone()).collect();
        match struct_fields(src, &s.header, &s.name, &BTreeSet::new()) {
            None => r.problem(format!("struct {}: not in {}", s.name, s.header)),
            Some((got, at)) if got == want => {
                let _ = at;
                r.ok("structs");
            }
            Some((got, at)) => r.problem(format!(
                "struct {}: {at} has fields [{}], api.toml [{}]",
                s.name,
                got.join(", "),
                want.join(", ")
            )),
        }
        for alias in &s.aliases {
            let listed = UNVERIFIABLE.iter().find(|(n, _)| n == alias);
            match (struct_fields(src, &s.header, alias, ws_modules), listed) {
                (Some((got, at)), None) => {
                    if got.len() >= want.len() && got[..want.len()] == want[..] {
                        r.ok("struct aliases");
                    } else {
                        r.problem(format!(
                            "struct {} alias {alias}: {at} has fields [{}], which do not start with [{}]",
                            s.name,
                            got.join(", "),
                            want.join(", ")
                        ));
                    }
                }
                (Some((_, at)), Some(_)) => {
                    r.problem(format!("{alias} is listed as unverifiable but {at} has it: remove it from UNVERIFIABLE"))
                }
                (None, Some((_, why))) => {
                    unverifiable_used.insert(alias.as_str());
                    r.notes.push(format!("not checked: struct alias {alias}: {why}"));
                }
                (None, None) => r.problem(format!(
                    "struct {} alias {alias}: neither {} nor windows-sys declares it",
                    s.name, s.header
                )),
            }
        }
    }
    for (name, _) in UNVERIFIABLE {
        if !unverifiable_used.contains(name) && !r.problems.iter().any(|p| p.contains(name)) {
            r.problem(format!("UNVERIFIABLE lists {name}, which api.toml does not use"));
        }
    }
}

/// v2 `[[api-set]]` members that are not knowledge-base APIs must be
/// functions the headers declare (the name or its `A`/`W` variant).
fn check_api_sets(src: &Sources, kb: &KbFile, r: &mut Report) {
    let apis: HashSet<String> = kb.function.iter().chain(&kb.method).map(Api::display).collect();
    let constants: HashSet<&String> = kb.constants.values().flat_map(BTreeMap::keys).collect();
    for set in &kb.api_sets {
        for m in &set.members {
            match set.set {
                SetKind::SuccessCode | SetKind::BoolConstant => {
                    if constants.contains(m) {
                        r.ok("api-set members (knowledge-base constants)");
                    } else {
                        r.problem(format!("api-set {:?}: {m} is not a constant of rules/api.toml", set.set));
                    }
                    continue;
                }
                SetKind::SignTest => {
                    if src.mingw_value_headers(m).is_empty() {
                        r.problem(format!("api-set {:?}: mingw-w64 does not #define {m}", set.set));
                    } else {
                        r.ok("api-set members (mingw-w64 macros)");
                    }
                    continue;
                }
                _ => {}
            }
            if apis.contains(m) {
                r.ok("api-set members (knowledge-base APIs)");
                continue;
            }
            let declared =
                [m.clone(), format!("{m}A"), format!("{m}W")].iter().any(|v| !src.mingw_proto_headers(v).is_empty());
            if declared {
                r.ok("api-set members (mingw-w64 prototypes)");
            } else {
                r.problem(format!(
                    "api-set {:?}: {m} is neither an API of rules/api.toml nor declared by mingw-w64",
                    set.set
                ));
            }
        }
    }
}

#[test]
fn kb_matches_headers() {
    let dir = cheaders::mingw_dir();
    if !dir.is_dir() {
        if std::env::var("RPCLINT_REQUIRE_HEADERS").is_ok_and(|v| v == "1") {
            panic!(
                "mingw-w64 headers not found at {} and RPCLINT_REQUIRE_HEADERS=1; install them with apt-get install -y mingw-w64-x86-64-dev",
                dir.display()
            );
        }
        println!("skipped: mingw-w64 headers not found; install them with apt-get install -y mingw-w64-x86-64-dev");
        return;
    }
    let kb = load_kb();
    let index = match Index::build(&dir) {
        Ok(i) => Rc::new(i),
        Err(e) => panic!("cannot read {}: {e}", dir.display()),
    };
    let ws_root = match winsys::locate() {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let src = Sources {
        c: World::new(index.clone(), Mode::C),
        cpp: World::new(index, Mode::Cpp),
        ws_root,
        ws_modules: RefCell::new(HashMap::new()),
    };
    let ws_modules: BTreeSet<String> = kb
        .function
        .iter()
        .chain(&kb.method)
        .map(|a| a.header.as_str())
        .chain(kb.structs.iter().map(|s| s.header.as_str()))
        .chain(kb.constants.keys().map(String::as_str))
        .filter_map(|h| h.strip_prefix(WS_PREFIX))
        .map(str::to_string)
        .collect();

    let mut r = Report::default();
    check_constants(&src, &kb, &mut r);
    cross_check_constants(&src, &kb, &mut r);
    check_functions(&src, &kb, &mut r);
    check_methods(&src, &kb, &mut r);
    check_api_sets(&src, &kb, &mut r);
    check_structs(&src, &kb, &ws_modules, &mut r);
    check_types(&src, &dir, &kb, &mut r);

    let total: usize = r.verified.values().sum();
    println!(
        "kb_headers: {total} facts agree with mingw-w64 ({}) and windows-sys {}:",
        src.c.index().files.len(),
        winsys::VERSION
    );
    for (what, n) in &r.verified {
        println!("  {n:4}  {what}");
    }
    for n in &r.notes {
        println!("  note: {n}");
    }
    assert!(
        r.problems.is_empty(),
        "{} disagreement(s) between rules/api.toml and the headers:\n  {}",
        r.problems.len(),
        r.problems.join("\n  ")
    );
}

/// `[tables.c-types]`: each Windows scalar type name is a `typedef` of a header.
fn check_types(src: &Sources, dir: &std::path::Path, kb: &KbFile, r: &mut Report) {
    for name in &kb.tables.c_types.scalar {
        let declared = src
            .c
            .index()
            .mentions(name)
            .iter()
            .any(|h| std::fs::read_to_string(dir.join(h)).is_ok_and(|text| declares_typedef(&text, name)));
        if declared {
            r.ok("scalar type names (typedefs)");
        } else {
            r.problem(format!("[tables.c-types] {name}: no mingw-w64 header has `typedef ... {name};`"));
        }
    }
}

/// Whether `text` has `typedef <type> [*]name[, ...];` (no struct body).
fn declares_typedef(text: &str, name: &str) -> bool {
    text.match_indices("typedef").any(|(at, _)| {
        let rest = &text[at + "typedef".len()..];
        let Some(stmt) = rest.split(';').next().filter(|s| !s.contains(['{', '(', '#'])) else { return false };
        stmt.split(',').any(|declarator| {
            let last = declarator.trim_end().rsplit(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next();
            last == Some(name)
        })
    })
}

/// What a rule needs from one API: roles present, effect, status return.
struct Need {
    rule: &'static str,
    api: &'static str,
    roles: &'static [&'static str],
    effect: Option<Effect>,
    status: bool,
}

const fn need(rule: &'static str, api: &'static str, roles: &'static [&'static str]) -> Need {
    Need { rule, api, roles, effect: None, status: false }
}

const fn need_effect(rule: &'static str, api: &'static str, effect: Effect, status: bool) -> Need {
    Need { rule, api, roles: &[], effect: Some(effect), status }
}

/// The APIs each rule of shared/RULES.md (v1 and the next rules) names.
const RULE_APIS: &[Need] = &[
    need_effect("unverified-server-principal", "RpcMgmtInqServerPrincName", Effect::InquirePrincipal, true),
    need("unverified-server-principal", "RpcMgmtInqServerPrincName", &["server-principal"]),
    need("unverified-server-principal", "RpcBindingSetAuthInfo", &["server-principal"]),
    need("unverified-server-principal", "RpcBindingSetAuthInfoEx", &["server-principal"]),
    need("unverified-server-principal", "CoSetProxyBlanket", &["server-principal"]),
    need("unverified-server-principal", "IClientSecurity::SetBlanket", &["server-principal"]),
    need("mutual-auth-without-principal", "RpcBindingSetAuthInfoEx", &["qos", "server-principal"]),
    need("mutual-auth-without-principal", "CoSetProxyBlanket", &["server-principal", "capabilities", "authn-service"]),
    need(
        "mutual-auth-without-principal",
        "IClientSecurity::SetBlanket",
        &["server-principal", "capabilities", "authn-service"],
    ),
    need("ntlm-mutual-auth", "RpcBindingSetAuthInfoEx", &["authn-service", "qos"]),
    need("ntlm-mutual-auth", "AcquireCredentialsHandle", &["package", "credential"]),
    need("ntlm-mutual-auth", "InitializeSecurityContext", &["credential", "context-req"]),
    need("ntlm-authentication", "RpcBindingSetAuthInfo", &["authn-service"]),
    need("ntlm-authentication", "RpcBindingSetAuthInfoEx", &["authn-service"]),
    need("ntlm-authentication", "CoSetProxyBlanket", &["authn-service"]),
    need("ntlm-authentication", "IClientSecurity::SetBlanket", &["authn-service"]),
    need("ntlm-authentication", "RpcServerRegisterAuthInfo", &["authn-service"]),
    need("ntlm-authentication", "RpcStringBindingCompose", &["protseq"]),
    need("mutual-auth-not-requested", "RpcBindingSetAuthInfo", &["authn-service", "authn-level"]),
    need("mutual-auth-not-requested", "RpcBindingSetAuthInfoEx", &["authn-service", "authn-level", "qos"]),
    need("excessive-impersonation", "RpcBindingSetAuthInfoEx", &["qos"]),
    need("excessive-impersonation", "CoSetProxyBlanket", &["imp-level"]),
    need("excessive-impersonation", "CoInitializeSecurity", &["imp-level"]),
    need("excessive-impersonation", "IClientSecurity::SetBlanket", &["imp-level"]),
    need("excessive-impersonation", "CreateFile", &["file-name", "file-flags"]),
    need("excessive-impersonation", "CreateFile2", &["file-name", "file-params"]),
    need(
        "transport-impersonation-option",
        "RpcStringBindingCompose",
        &["protseq", "network-options", "string-binding"],
    ),
    need("transport-impersonation-option", "RpcBindingFromStringBinding", &["string-binding"]),
    need_effect("unchecked-impersonation", "RpcImpersonateClient", Effect::Impersonate, true),
    need_effect("unchecked-impersonation", "RpcImpersonateClient2", Effect::Impersonate, true),
    need_effect("unchecked-impersonation", "CoImpersonateClient", Effect::Impersonate, true),
    need_effect("unchecked-impersonation", "IServerSecurity::ImpersonateClient", Effect::Impersonate, true),
    need_effect("unchecked-impersonation", "ImpersonateSecurityContext", Effect::Impersonate, true),
    need_effect("unchecked-impersonation", "ImpersonateNamedPipeClient", Effect::Impersonate, true),
    need_effect("unchecked-impersonation", "ImpersonateLoggedOnUser", Effect::Impersonate, true),
    need_effect("unchecked-impersonation", "SetThreadToken", Effect::Impersonate, true),
    need_effect("impersonation-not-reverted", "RpcRevertToSelf", Effect::Revert, true),
    need_effect("impersonation-not-reverted", "RpcRevertToSelfEx", Effect::Revert, true),
    need_effect("impersonation-not-reverted", "CoRevertToSelf", Effect::Revert, true),
    need_effect("impersonation-not-reverted", "IServerSecurity::RevertToSelf", Effect::Revert, true),
    need_effect("impersonation-not-reverted", "RevertSecurityContext", Effect::Revert, true),
    need_effect("impersonation-not-reverted", "RevertToSelf", Effect::Revert, true),
    need("missing-integrity", "RpcBindingSetAuthInfo", &["authn-level"]),
    need("missing-integrity", "RpcBindingSetAuthInfoEx", &["authn-level", "qos"]),
    need("missing-integrity", "CoSetProxyBlanket", &["authn-level"]),
    need("missing-integrity", "CoInitializeSecurity", &["authn-level"]),
    need("missing-integrity", "IClientSecurity::SetBlanket", &["authn-level"]),
    need("unprotected-sspi-context", "InitializeSecurityContext", &["context-req"]),
    need("unprotected-sspi-context", "AcceptSecurityContext", &["context-req"]),
    need_effect("unprotected-sspi-context", "MakeSignature", Effect::Sign, true),
    need_effect("unprotected-sspi-context", "EncryptMessage", Effect::Encrypt, true),
    need("sign-only-wrap", "EncryptMessage", &["qop"]),
    need_effect("unchecked-message-verification", "VerifySignature", Effect::Verify, true),
    need_effect("unchecked-message-verification", "DecryptMessage", Effect::Decrypt, true),
    need("unchecked-decrypt-qop", "DecryptMessage", &["qop-out"]),
    need("unchecked-context-attributes", "InitializeSecurityContext", &["context-req", "context-attrs"]),
    need("unchecked-context-attributes", "AcceptSecurityContext", &["context-req", "context-attrs"]),
    need("unchecked-context-attributes", "QueryContextAttributes", &["context"]),
    need("unauthenticated-interface", "RpcServerRegisterIf", &[]),
    need("unauthenticated-interface", "RpcServerRegisterIfEx", &["if-flags", "if-callback"]),
    need("unauthenticated-interface", "RpcServerRegisterIf2", &["if-flags", "if-callback"]),
    need("unauthenticated-interface", "RpcServerRegisterIf3", &["if-flags", "if-callback"]),
    need_effect("unauthenticated-interface", "RpcServerRegisterIf", Effect::RegisterInterface, true),
    need_effect("unauthenticated-interface", "RpcServerRegisterIfEx", Effect::RegisterInterface, true),
    need_effect("unauthenticated-interface", "RpcServerRegisterIf2", Effect::RegisterInterface, true),
    need_effect("unauthenticated-interface", "RpcServerRegisterIf3", Effect::RegisterInterface, true),
    need("com-no-access-check", "CoInitializeSecurity", &["security-descriptor", "authn-level", "capabilities"]),
    need_effect("com-no-access-check", "CoRegisterClassObject", Effect::RegisterClassObject, true),
    // Next rules.
    need("unauthenticated-binding", "RpcStringBindingCompose", &["protseq", "network-address", "string-binding"]),
    need("unauthenticated-binding", "RpcBindingFromStringBinding", &["string-binding", "binding"]),
    need("unauthenticated-binding", "RpcBindingCreate", &["binding"]),
    need("auth-level-downgrade", "RpcBindingSetAuthInfo", &["binding", "authn-level"]),
    need("auth-level-downgrade", "RpcBindingSetAuthInfoEx", &["binding", "authn-level"]),
    need_effect("unchecked-security-setup", "CoSetProxyBlanket", Effect::None, true),
    need_effect("unchecked-security-setup", "CoInitializeSecurity", Effect::None, true),
    need_effect("unchecked-security-setup", "IClientSecurity::SetBlanket", Effect::None, true),
    need_effect("unchecked-security-setup", "RpcBindingSetAuthInfo", Effect::None, true),
    need_effect("unchecked-security-setup", "RpcBindingSetAuthInfoEx", Effect::None, true),
    need("invalid-blanket-capabilities", "CoSetProxyBlanket", &["capabilities"]),
    need("invalid-blanket-capabilities", "IClientSecurity::SetBlanket", &["capabilities"]),
    need("permissive-security-callback", "RpcServerRegisterIfEx", &["if-callback", "if-flags"]),
    need("permissive-security-callback", "RpcServerRegisterIf2", &["if-callback", "if-flags"]),
    need("permissive-security-callback", "RpcServerRegisterIf3", &["if-callback", "if-flags"]),
    need("pipe-server-squatting", "CreateNamedPipe", &["file-name", "pipe-open-mode", "pipe-mode"]),
    need(
        "pipe-server-squatting",
        "ConvertStringSecurityDescriptorToSecurityDescriptor",
        &["sddl", "security-descriptor"],
    ),
    need_effect("unchecked-security-setup", "RpcServerRegisterAuthInfo", Effect::None, true),
    need("invalid-blanket-capabilities", "CoSetProxyBlanket", &["auth-identity"]),
    need("invalid-blanket-capabilities", "IClientSecurity::SetBlanket", &["auth-identity"]),
];

/// The constants the rules name (shared/RULES.md, v1 and next).
const RULE_CONSTANTS: &[&str] = &[
    "RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH",
    "EOAC_MUTUAL_AUTH",
    "RPC_C_AUTHN_GSS_KERBEROS",
    "RPC_C_AUTHN_GSS_NEGOTIATE",
    "RPC_C_AUTHN_WINNT",
    "RPC_C_AUTHN_NONE",
    "RPC_C_AUTHN_DEFAULT",
    "RPC_C_AUTHN_LEVEL_DEFAULT",
    "RPC_C_AUTHN_LEVEL_NONE",
    "RPC_C_AUTHN_LEVEL_CONNECT",
    "RPC_C_AUTHN_LEVEL_CALL",
    "RPC_C_AUTHN_LEVEL_PKT",
    "RPC_C_AUTHN_LEVEL_PKT_INTEGRITY",
    "RPC_C_AUTHN_LEVEL_PKT_PRIVACY",
    "RPC_C_IMP_LEVEL_DEFAULT",
    "RPC_C_IMP_LEVEL_IDENTIFY",
    "RPC_C_IMP_LEVEL_IMPERSONATE",
    "RPC_C_IMP_LEVEL_DELEGATE",
    "SecurityDelegation",
    "SecurityImpersonation",
    "SECURITY_SQOS_PRESENT",
    "SECURITY_DELEGATION",
    "SECURITY_IMPERSONATION",
    "ISC_REQ_MUTUAL_AUTH",
    "ISC_REQ_INTEGRITY",
    "ISC_REQ_CONFIDENTIALITY",
    "ASC_REQ_MUTUAL_AUTH",
    "ASC_REQ_INTEGRITY",
    "ASC_REQ_CONFIDENTIALITY",
    "ISC_RET_MUTUAL_AUTH",
    "ISC_RET_INTEGRITY",
    "ISC_RET_CONFIDENTIALITY",
    "ASC_RET_MUTUAL_AUTH",
    "ASC_RET_INTEGRITY",
    "ASC_RET_CONFIDENTIALITY",
    "SECQOP_WRAP_NO_ENCRYPT",
    "KERB_WRAP_NO_ENCRYPT",
    "RPC_IF_ALLOW_SECURE_ONLY",
    "RPC_IF_ALLOW_CALLBACKS_WITH_NO_AUTH",
    "EOAC_NONE",
    "EOAC_SECURE_REFS",
    "EOAC_ACCESS_CONTROL",
    "EOAC_APPID",
    "EOAC_DYNAMIC",
    "EOAC_REQUIRE_FULLSIC",
    "EOAC_DISABLE_AAA",
    "EOAC_NO_CUSTOM_MARSHAL",
    "EOAC_STATIC_CLOAKING",
    "EOAC_DYNAMIC_CLOAKING",
    "NTLMSP_NAME",
    "NTLMSP_NAME_A",
    "NEGOSSP_NAME",
    "MICROSOFT_KERBEROS_NAME",
    "RPC_S_OK",
    "RPC_E_TOO_LATE",
    "EOAC_AUTO_IMPERSONATE",
    "EOAC_RESERVED1",
    "EOAC_ANY_AUTHORITY",
    "EOAC_MAKE_FULLSIC",
    "EOAC_DEFAULT",
    "ERROR_SUCCESS",
    "S_OK",
    "SEC_E_OK",
    "FILE_FLAG_FIRST_PIPE_INSTANCE",
    "PIPE_REJECT_REMOTE_CLIENTS",
    "SDDL_ACCESS_DENIED",
    "SDDL_OBJECT_ACCESS_DENIED",
    "SDDL_NETWORK",
    "SECURITY_NETWORK_RID",
    "SDDL_DACL",
    "SDDL_NULL_ACL",
    "SDDL_ACCESS_ALLOWED",
    "SDDL_OBJECT_ACCESS_ALLOWED",
    "SDDL_ANONYMOUS",
    "SDDL_EVERYONE",
    "SDDL_AUTHENTICATED_USERS",
    "SDDL_BUILTIN_USERS",
    "SDDL_INTERACTIVE",
    "SECURITY_WORLD_RID",
    "SECURITY_ANONYMOUS_LOGON_RID",
    "SECURITY_AUTHENTICATED_USER_RID",
    "SECURITY_INTERACTIVE_RID",
    "SECURITY_BUILTIN_DOMAIN_RID",
    "DOMAIN_ALIAS_RID_USERS",
];

fn callee_names(a: &Api) -> Vec<String> {
    let mut v = Vec::new();
    match &a.interface {
        None => {
            v.push(a.name.clone());
            if a.aw {
                v.push(format!("{}A", a.name));
                v.push(format!("{}W", a.name));
            }
        }
        Some(i) => {
            v.push(a.name.clone());
            if a.c_macro {
                v.push(format!("{i}_{}", a.name));
            }
        }
    }
    v
}

#[test]
fn kb_is_well_formed() {
    let kb = match Kb::from_toml(API_TOML) {
        Ok(k) => k,
        Err(e) => panic!("rules/api.toml does not parse with Kb::from_toml: {e}"),
    };
    let file = load_kb();
    let mut problems: Vec<String> = Vec::new();

    // Functions: one entry per callee name (A/W included).
    let mut function_names: HashMap<String, String> = HashMap::new();
    for f in &file.function {
        if f.interface.is_some() || f.c_macro {
            problems.push(format!("function {}: interface / c-macro belong to [[method]]", f.name));
        }
        for n in callee_names(f) {
            if let Some(prev) = function_names.insert(n.clone(), f.name.clone()) {
                problems.push(format!("callee {n} is both function {prev} and {}", f.name));
            }
        }
    }
    // Methods: unique per interface; the same method name on two interfaces is fine.
    let mut method_keys = HashSet::new();
    let mut api_names: HashSet<String> = function_names.keys().cloned().collect();
    for m in &file.method {
        let Some(i) = &m.interface else {
            problems.push(format!("method {}: no interface", m.name));
            continue;
        };
        if !method_keys.insert((i.clone(), m.name.clone())) {
            problems.push(format!("method {i}::{} appears twice", m.name));
        }
        api_names.extend(callee_names(m));
    }
    for a in file.function.iter().chain(&file.method) {
        let who = a.display();
        if !(a.header.ends_with(".h") || a.header.starts_with("windows-sys:Win32/")) {
            problems
                .push(format!("{who}: header `{}` is neither a mingw-w64 header nor windows-sys:Win32/...", a.header));
        }
        let mut seen = HashSet::new();
        for p in &a.params {
            if !seen.insert(p.name.to_ascii_lowercase()) {
                problems.push(format!("{who}: parameter {} appears twice", p.name));
            }
        }
        let has_req = a.param_with(rpclint::kb::Role::ContextReq).is_some();
        match a.flag_prefix.as_deref() {
            None if has_req => problems.push(format!("{who}: has a context-req parameter but no flag-prefix")),
            Some("ISC" | "ASC") if !has_req => {
                problems.push(format!("{who}: flag-prefix without a context-req parameter"))
            }
            None | Some("ISC" | "ASC") => {}
            Some(other) => problems.push(format!("{who}: flag-prefix `{other}` is not ISC or ASC")),
        }
        if matches!(a.effect, Effect::Impersonate | Effect::Revert | Effect::Verify | Effect::Decrypt)
            && !a.returns.is_status()
        {
            problems.push(format!("{who}: its effect needs returns = \"status\""));
        }
    }
    // Helpers: every name once, and never an API name.
    let mut helper_names: HashMap<&str, HelperKind> = HashMap::new();
    for h in &file.helper {
        for n in &h.names {
            if helper_names.insert(n, h.kind).is_some() {
                problems.push(format!("helper {n} appears twice"));
            }
            if api_names.contains(n) {
                problems.push(format!("helper {n} is also an API name"));
            }
        }
        let needs_from = matches!(
            h.kind,
            HelperKind::Transparent | HelperKind::Copy | HelperKind::TestStatus | HelperKind::PassStatus
        );
        if needs_from && h.from.is_none() {
            problems.push(format!("helper {:?} ({:?}) needs `from`", h.names, h.kind));
        }
        if matches!(h.kind, HelperKind::ZeroFill | HelperKind::SavesThreadToken) && h.to.is_none() {
            problems.push(format!("helper {:?} ({:?}) needs `to`", h.names, h.kind));
        }
        if h.to.is_some() && !matches!(h.kind, HelperKind::Copy | HelperKind::ZeroFill | HelperKind::SavesThreadToken) {
            problems.push(format!("helper {:?} ({:?}) cannot have `to`", h.names, h.kind));
        }
    }
    // Structs and constants: each name once.
    let mut struct_names = HashSet::new();
    for s in &file.structs {
        for n in std::iter::once(&s.name).chain(&s.aliases) {
            if !struct_names.insert(n.clone()) {
                problems.push(format!("struct name {n} appears twice"));
            }
        }
    }
    let mut const_groups: HashMap<&str, &str> = HashMap::new();
    for (group, values) in &file.constants {
        for name in values.keys() {
            if let Some(prev) = const_groups.insert(name, group) {
                problems.push(format!("constant {name} is in both [constants.\"{prev}\"] and [constants.\"{group}\"]"));
            }
        }
    }
    // What the rules need.
    let find = |name: &str| -> Option<&Api> {
        match name.split_once("::") {
            Some((i, m)) => file.method.iter().find(|a| a.interface.as_deref() == Some(i) && a.name == m),
            None => file.function.iter().find(|a| a.name == name),
        }
    };
    for n in RULE_APIS {
        let Some(a) = find(n.api) else {
            problems.push(format!("{}: {} is missing", n.rule, n.api));
            continue;
        };
        for role in n.roles {
            if !a.params.iter().any(|p| p.role.is_some_and(|r| r.name() == *role)) {
                problems.push(format!("{}: {} has no {role} parameter", n.rule, n.api));
            }
        }
        if let Some(e) = n.effect {
            if a.effect != e {
                problems.push(format!("{}: {} should have effect {e:?}, has {:?}", n.rule, n.api, a.effect));
            }
        }
        if let Some(r) = &a.reverted_by {
            if find(r).is_none_or(|rev| rev.effect != Effect::Revert) {
                problems.push(format!("{}: {} is reverted by {r}, which is not a revert API", n.rule, n.api));
            }
        }
        if n.status && !a.returns.is_status() {
            problems.push(format!("{}: {} should return a status", n.rule, n.api));
        }
    }
    // v2: accepted flags name APIs and constants that exist.
    for a in &file.accepted_flags {
        for api in &a.apis {
            match find(api) {
                Some(x) if x.params.iter().any(|p| p.role == Some(a.role)) => {}
                _ => problems.push(format!("accepted-flags: {api} is missing or has no {} parameter", a.role.name())),
            }
        }
        for c in a.accepts.iter().chain(&a.exclusive) {
            if kb.int(c).is_none() {
                problems.push(format!("accepted-flags: constant {c} is missing"));
            }
        }
        if !a.exclusive.iter().all(|e| a.accepts.contains(e)) {
            problems.push(format!("accepted-flags of {:?}: every exclusive flag must be accepted", a.apis));
        }
    }
    for c in RULE_CONSTANTS {
        if kb.constant(c).is_none() {
            problems.push(format!("constant {c} is missing"));
        }
    }
    // Pitfall 5: the ISC and ASC flag families differ.
    if kb.int("ISC_REQ_INTEGRITY") == kb.int("ASC_REQ_INTEGRITY") {
        problems.push("ISC_REQ_INTEGRITY and ASC_REQ_INTEGRITY must differ".into());
    }
    // Call-site lookups the rules rely on.
    let lookups: &[(&str, bool, usize, &str, bool)] = &[
        ("RpcBindingSetAuthInfoExW", false, 7, "RpcBindingSetAuthInfoEx", false),
        ("RpcBindingSetAuthInfoA", false, 6, "RpcBindingSetAuthInfo", false),
        ("InitializeSecurityContextW", false, 12, "InitializeSecurityContext", false),
        ("IClientSecurity_SetBlanket", false, 9, "IClientSecurity::SetBlanket", true),
        ("SetBlanket", true, 8, "IClientSecurity::SetBlanket", false),
        ("IServerSecurity_RevertToSelf", false, 1, "IServerSecurity::RevertToSelf", true),
        ("QueryBlanket", true, 7, "IServerSecurity::QueryBlanket", false),
        ("QueryBlanket", true, 8, "IClientSecurity::QueryBlanket", false),
        ("RevertToSelf", false, 0, "RevertToSelf", false),
        ("EncryptMessage", true, 4, "EncryptMessage", false),
    ];
    for &(callee, recv, argc, want, this_in_args) in lookups {
        match kb.api_for_call(callee, recv, argc) {
            Some(m) if m.api.display() == want && m.this_in_args == this_in_args => {}
            Some(m) => problems.push(format!(
                "call {callee} (receiver {recv}, {argc} args) finds {} (this in args: {}), expected {want}",
                m.api.display(),
                m.this_in_args
            )),
            None => problems.push(format!("call {callee} finds nothing, expected {want}")),
        }
    }
    // The impersonation scales name constants of the knowledge base, each
    // level once, in the order of their values.
    let imp = &kb.tables.impersonation;
    for (scale, table) in [("rpc", &imp.rpc), ("security", &imp.security), ("sqos", &imp.sqos)] {
        let mut ranked: Vec<(u64, ScaleLevel, &str)> = Vec::new();
        for (name, &level) in table {
            match kb.int(name) {
                Some(v) => ranked.push((v, level, name)),
                None => problems.push(format!("[tables.impersonation.{scale}] {name}: no such constant")),
            }
        }
        ranked.sort();
        if ranked.len() < 4 || ranked.windows(2).any(|w| w[0].1 >= w[1].1) {
            problems.push(format!(
                "[tables.impersonation.{scale}]: levels not one each in the order of their values: {ranked:?}"
            ));
        }
    }
    if kb.int(&imp.sqos_present).is_none() {
        problems.push(format!("[tables.impersonation] sqos-present {}: no such constant", imp.sqos_present));
    }
    let transport = &kb.tables.transport;
    if transport.local_protseq.is_empty() || transport.pipe_directory.is_empty() {
        problems.push("[tables.transport]: local-protseq and pipe-directory are needed".to_string());
    }
    for name in transport.pipe_busy_constants.iter().chain(&transport.pipe_wait_constants) {
        if kb.int(name).is_none() {
            problems.push(format!("[tables.transport] pipe constant {name}: no such constant"));
        }
    }
    if !transport.honours_security_option.contains(&transport.local_protseq) {
        problems.push("[tables.transport]: local RPC honours the Security= option".to_string());
    }
    assert!(problems.is_empty(), "rules/api.toml:\n  {}", problems.join("\n  "));
}
