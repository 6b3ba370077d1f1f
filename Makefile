# onesignal for Lua — build, test and tooling.
#
#   make test    install missing Debian packages, build, run every test (what CI runs)
#   make demo    create a user, send them a notification, read the user back, delete it (local test server by default)
#   make build   the C core for Lua 5.4, Lua 5.3 and LuaJIT
#
# Everything else is listed by `make help`.

LUA        ?= lua5.4
LUA53      ?= lua5.3
LUAJIT     ?= luajit
BUSTED     ?= $(LUA) /usr/bin/busted
BUILD      ?= build
CC         ?= cc
OPTFLAGS   ?= -O2 -g
LUA54_INC  ?= /usr/include/lua5.4
LUA53_INC  ?= /usr/include/lua5.3
LUAJIT_INC ?= /usr/include/luajit-2.1

# The module paths every Lua process started by this Makefile uses.
LUA_ENV = LUA_PATH='./lua/?.lua;./lua/?/init.lua;./spec/?.lua;;' LUA_CPATH='./$(BUILD)/5.4/?.so;;'

.PHONY: all help build test demo clean
all: build ## the default: build

help: ## this list of every target
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | sort

include mk/*.mk

clean: ## remove build output
	rm -rf $(BUILD)
