// A COM client that talks to a remote object.
#include <windows.h>
#include <objidl.h>

HRESULT SecureProxy(IUnknown* proxy)
{
    const DWORD level = RPC_C_AUTHN_LEVEL_PKT_INTEGRITY;  // signed, not encrypted
    return CoSetProxyBlanket(proxy, RPC_C_AUTHN_GSS_KERBEROS, RPC_C_AUTHZ_NONE,
                             const_cast<OLECHAR*>(L"host/files.example.com"),
                             level, RPC_C_IMP_LEVEL_IMPERSONATE, nullptr, EOAC_MUTUAL_AUTH);
}

HANDLE OpenServicePipe()
{
    return CreateFileW(L"\\\\.\\pipe\\example-service", GENERIC_READ | GENERIC_WRITE, 0, nullptr,
                       OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
}
