// The same in Rust: the argument on a line of its own.
use windows::Win32::System::Rpc::*;

fn bind(h: *mut core::ffi::c_void) -> RPC_STATUS {
    unsafe {
        RpcBindingSetAuthInfoExW(
            h,
            None,
            RPC_C_AUTHN_LEVEL_CONNECT,
            RPC_C_AUTHN_GSS_NEGOTIATE,
            None,
            0,
            None,
        )
    }
}
