/* Project settings, shared by the client and the service. */
#ifndef SETTINGS_H
#define SETTINGS_H

#define CLIENT_AUTHN_LEVEL    RPC_C_AUTHN_LEVEL_CONNECT
#define CLIENT_IMPERSONATION  RPC_C_IMP_LEVEL_DELEGATE

#endif
