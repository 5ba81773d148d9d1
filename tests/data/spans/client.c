/* Findings whose primary span is an argument on a later line than the call,
   and two identical calls (told apart by their rank): the baseline beside
   this file was written before findings pointed at their arguments. */
#include <windows.h>
#include <rpc.h>

#define APP_LEVEL RPC_C_AUTHN_LEVEL_CONNECT

RPC_STATUS bind_twice(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)
{
    RPC_STATUS status = RpcBindingSetAuthInfoExW(h, spn,
        APP_LEVEL, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, qos);
    if (status != RPC_S_OK)
        return status;
    status = RpcBindingSetAuthInfoExW(h, spn,
        APP_LEVEL, RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, qos);
    return status;
}

RPC_STATUS weak_and_ntlm(RPC_BINDING_HANDLE h, RPC_WSTR spn, RPC_SECURITY_QOS *qos)
{
    return RpcBindingSetAuthInfoExW(h, spn,
                                    RPC_C_AUTHN_LEVEL_PKT_INTEGRITY,
                                    RPC_C_AUTHN_WINNT,
                                    NULL, 0, qos);
}

HRESULT blanket(IUnknown *proxy)
{
    return CoSetProxyBlanket(proxy, RPC_C_AUTHN_GSS_NEGOTIATE, RPC_C_AUTHZ_NONE, L"host/server",
                             RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_IMP_LEVEL_DELEGATE, NULL,
                             EOAC_SECURE_REFS);
}

HANDLE open_pipe(void)
{
    return CreateFileW(L"\\\\server\\pipe\\app", GENERIC_READ, 0, NULL, OPEN_EXISTING,
                       SECURITY_SQOS_PRESENT | SECURITY_DELEGATION, NULL);
}
