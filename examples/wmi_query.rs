//! A WMI client in Rust with the `windows` crate.
use windows::core::{w, Result};
use windows::Win32::System::Com::*;
use windows::Win32::System::Wmi::*;

pub fn connect() -> Result<IWbemServices> {
    unsafe {
        let locator: IWbemLocator = CoCreateInstance(&WbemLocator, None, CLSCTX_INPROC_SERVER)?;
        let services = locator.ConnectServer(&w!("ROOT\\CIMV2").into(), None, None, None, 0, None, None)?;
        CoSetProxyBlanket(
            &services,
            RPC_C_AUTHN_GSS_NEGOTIATE,
            RPC_C_AUTHZ_NONE,
            None,
            RPC_C_AUTHN_LEVEL_CALL,
            RPC_C_IMP_LEVEL_IMPERSONATE,
            None,
            EOAC_NONE,
        )?;
        Ok(services)
    }
}
