/* A small RPC client: binds to a server and sets up authentication. */
#include <windows.h>
#include <rpc.h>
#include "settings.h"

RPC_STATUS connect_to_server(const wchar_t *host, RPC_BINDING_HANDLE *out)
{
    RPC_WSTR string_binding = NULL;
    RPC_WSTR server_name = NULL;
    RPC_BINDING_HANDLE h = NULL;
    RPC_SECURITY_QOS qos;
    RPC_STATUS status;

    status = RpcStringBindingComposeW(NULL, (RPC_WSTR)L"ncacn_ip_tcp", (RPC_WSTR)host, NULL, NULL, &string_binding);
    if (status != RPC_S_OK)
        return status;
    status = RpcBindingFromStringBindingW(string_binding, &h);
    RpcStringFreeW(&string_binding);
    if (status != RPC_S_OK)
        return status;

    /* Ask the server who it is... and then believe it. */
    status = RpcMgmtInqServerPrincNameW(h, RPC_C_AUTHN_GSS_NEGOTIATE, &server_name);
    if (status != RPC_S_OK)
        return status;

    ZeroMemory(&qos, sizeof(qos));
    qos.Version = RPC_C_SECURITY_QOS_VERSION;
    qos.Capabilities = RPC_C_QOS_CAPABILITIES_MUTUAL_AUTH;
    qos.IdentityTracking = RPC_C_QOS_IDENTITY_STATIC;
    qos.ImpersonationType = CLIENT_IMPERSONATION;

    status = RpcBindingSetAuthInfoExW(h, server_name, CLIENT_AUTHN_LEVEL,
                                      RPC_C_AUTHN_GSS_NEGOTIATE, NULL, 0, &qos);
    RpcStringFreeW(&server_name);
    *out = h;
    return status;
}
