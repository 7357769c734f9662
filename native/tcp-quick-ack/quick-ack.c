/*
 * quickAck(fd): sets TCP_QUICKACK on a connected TCP socket, so that the kernel acknowledges what
 * it has received now instead of when its delayed-ACK timer fires (~40 ms on Linux). Node has no
 * socket option for it; src/media/rtmp/quick-ack.ts explains why the ingest needs it.
 * Returns false where the option does not exist (not Linux) or setsockopt refuses it.
 */
#include <node_api.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

static napi_value quick_ack(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  napi_value result;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "quickAck(fd): fd must be a number");
    return NULL;
  }
  int done = 0;
#ifdef TCP_QUICKACK
  int one = 1;
  done = fd >= 0 && setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one) == 0;
#endif
  napi_get_boolean(env, done, &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "quickAck", NAPI_AUTO_LENGTH, quick_ack, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "quickAck", fn) != napi_ok) return NULL;
  return exports;
}
