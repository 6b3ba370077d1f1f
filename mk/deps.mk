# Debian packages the build and the tests need. `make deps` installs the missing ones (as root, or
# through sudo) and does nothing when all are present, so offline re-runs work.
#
# luajit2 / libluajit2-5.1-dev are OpenResty's LuaJIT branch: Debian's lua-resty-core needs it and it
# conflicts with the `luajit` package. llvm-14 brings llvm-symbolizer, without which the sanitizers print
# no stacks (clang only recommends it, and recommends are not installed). lua5.1 and lua5.2 are there for
# the spec that the library refuses them with a clear message; iproute2 (`ip`) for the spec that makes a
# resolver which never answers, in a network namespace of its own; locales for the sources localedef makes
# the decimal-comma (de_DE) and two-byte-point (ps_AF) locales from, which the JSON specs run under.
# lua-discount is the Markdown that `make docs` renders the doc comments with (see mk/docs.mk).
DEBIAN_PACKAGES = make gcc libc6-dev pkg-config curl openssl ca-certificates \
  lua5.4 liblua5.4-dev lua5.3 liblua5.3-dev lua5.1 lua5.2 libcurl4-openssl-dev lua-cjson lua-busted lua-check luarocks \
  lua-ldoc lua-discount luajit2 libluajit2-5.1-dev nginx-core libnginx-mod-http-lua lua-resty-core nghttp2-server \
  clang libclang-rt-14-dev llvm-14 valgrind brotli lua-luv lua-socket lua-system iproute2 locales

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps
deps: ## install missing Debian packages (apt-get)
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	command -v node >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -n "$$(echo $$missing)" ]; then \
	  echo "installing:" $$missing; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi
