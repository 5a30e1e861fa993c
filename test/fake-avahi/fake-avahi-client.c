/* Stand-in for libavahi-client's daemon connection, LD_PRELOADed into SoapySDRServer by tests.
 *
 * SoapySDRServer (SoapyRemote 0.5) registers itself over mDNS and exits when its Avahi client is in the FAILURE
 * state, which is what libavahi-client reports when no D-Bus system bus / avahi-daemon runs (containers, CI). Tests
 * connect by address (remote=tcp://127.0.0.1:<port>), so no mDNS is needed: these definitions replace the client
 * calls SoapySDRServer makes with ones that report a running client and accept the service registration without
 * publishing anything. libavahi-common (the simple poll loop) stays the real one.
 *
 * Build: cc -shared -fPIC -o libfake-avahi-client.so fake-avahi-client.c (test/fake-avahi/build.ts does it).
 */
#include <stddef.h>

#define FAKE_API __attribute__((visibility("default")))

/* AvahiClientState values (avahi-client/client.h) */
enum { AVAHI_CLIENT_S_RUNNING = 2 };

typedef void (*client_callback_t)(void *client, int state, void *userdata);

static int fake_client;
static int fake_group;

FAKE_API void *avahi_client_new(const void *poll_api, int flags, client_callback_t callback, void *userdata, int *error) {
  (void)poll_api;
  (void)flags;
  if (error != NULL) *error = 0;
  if (callback != NULL) callback(&fake_client, AVAHI_CLIENT_S_RUNNING, userdata);
  return &fake_client;
}
FAKE_API void avahi_client_free(void *client) { (void)client; }
FAKE_API int avahi_client_get_state(void *client) { (void)client; return AVAHI_CLIENT_S_RUNNING; }
FAKE_API int avahi_client_errno(void *client) { (void)client; return 0; }
FAKE_API const char *avahi_client_get_version_string(void *client) { (void)client; return "fake-avahi (tests)"; }
FAKE_API const char *avahi_client_get_host_name(void *client) { (void)client; return "localhost"; }
FAKE_API const char *avahi_client_get_domain_name(void *client) { (void)client; return "local"; }
FAKE_API const char *avahi_client_get_host_name_fqdn(void *client) { (void)client; return "localhost.local"; }
FAKE_API void *avahi_entry_group_new(void *client, void *callback, void *userdata) {
  (void)client;
  (void)callback;
  (void)userdata;
  return &fake_group;
}
FAKE_API int avahi_entry_group_free(void *group) { (void)group; return 0; }
FAKE_API void *avahi_entry_group_get_client(void *group) { (void)group; return &fake_client; }
FAKE_API int avahi_entry_group_add_service_strlst(void *group, int iface, int protocol, int flags, const char *name, const char *type,
                                                   const char *domain, const char *host, unsigned short port, void *txt) {
  (void)group; (void)iface; (void)protocol; (void)flags; (void)name; (void)type; (void)domain; (void)host; (void)port; (void)txt;
  return 0;
}
FAKE_API int avahi_entry_group_commit(void *group) { (void)group; return 0; }
