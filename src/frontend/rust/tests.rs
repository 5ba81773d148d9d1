//! Tests.
use super::lower;
use crate::frontend::Depth;

fn dump(src: &str) -> String {
    lower(src, Depth::Full).dump()
}

#[test]
fn scratch() {
    let src = r#"
use windows::Win32::System::Rpc::*;
fn bind(h: *const c_void, spn: &[u16]) -> Result<()> {
    let qos = RPC_SECURITY_QOS {
        Version: 1,
        Capabilities: RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH,
        ..Default::default()
    };
    unsafe { RpcBindingSetAuthInfoExW(h, PCWSTR(spn.as_ptr()), RPC_C_AUTHN_LEVEL_PKT_PRIVACY.0, RPC_C_AUTHN_GSS_NEGOTIATE, None, 0, Some(&qos)) }.ok()?;
    let level = if fast { A } else { B };
    CoSetProxyBlanket(&proxy, 1, 2, PCWSTR::null(), level, RPC_C_IMP_LEVEL_DELEGATE, None, EOAC_NONE)?;
    Ok(())
}
"#;
    println!("{}", dump(src));
}
