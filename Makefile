# twinbeat — two-node failover daemon.
#
#   make            build build/bin/{twinbeatd,twinbeat,twinbeat-executor}
#   make check      build and run every test; ends with "N passed, N failed"
#   make bench      measured figures, side by side with the named competitor
#   make soak       10 minutes of load and packet loss: no false failover (SOAK_SECONDS)
#   make install    DESTDIR=... PREFIX=/usr
#
# Targets that need Debian packages install the missing ones first
# (tests/deps.sh; apt-get install -y, only what is missing).

PREFIX     ?= /usr
DESTDIR    ?=
SBINDIR    ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec/twinbeat
SYSCONFDIR ?= /etc
MANDIR     ?= $(PREFIX)/share/man
SYSTEMDUNITDIR ?= /lib/systemd/system

BUILD ?= build
CXX   ?= g++
ifeq ($(origin CXX),default)
CXX := g++
endif

PKGS := libnl-3.0 libnl-route-3.0 libcap-ng inih libcrypto

# The libraries' flags come from pkg-config, which can answer only once the
# -dev packages are there: build/pkg.mk installs what is missing, then
# records the flags, and make restarts with them (GNU make remakes included
# makefiles first). On a fresh machine the very first `make` therefore works.
$(BUILD)/pkg.mk: tests/deps.sh
	@tests/deps.sh build
	@mkdir -p $(dir $@)
	@{ echo "PKG_CFLAGS := $$(pkg-config --cflags $(PKGS))"; \
	   echo "PKG_LIBS := $$(pkg-config --libs $(PKGS))"; \
	   echo "TEST_CFLAGS := $$(pkg-config --cflags cpputest)"; \
	   echo "TEST_LIBS := $$(pkg-config --libs cpputest)"; } > $@
ifeq ($(filter clean,$(MAKECMDGOALS)),)
include $(BUILD)/pkg.mk
endif

# SAN=1: AddressSanitizer + UBSan build of the unit tests.
# FUZZ=1: clang build of the libFuzzer targets.
OPT := -O2
ifeq ($(SAN),1)
OPT := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
ifeq ($(FUZZ),1)
OPT := -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
endif

CPPFLAGS += -Iinclude -DTWINBEAT_LIBEXECDIR='"$(LIBEXECDIR)"' -DTWINBEAT_SBINDIR='"$(SBINDIR)"' -DTWINBEAT_VERSION='"$(VERSION)"'
CXXFLAGS ?=
CXXFLAGS += -std=c++20 -g $(OPT) -Wall -Wextra -Werror -MMD -MP $(PKG_CFLAGS)
# The daemon and the executor carry libstdc++ inside: it halves their
# resident memory (no relocated copy of the shared library per process).
STATIC_CXXRT := -static-libstdc++ -static-libgcc

VERSION := 0.1.0

lib_modules := util config wire core net resources export
lib_srcs    := $(foreach m,$(lib_modules),$(wildcard src/$(m)/*.cc))
daemon_srcs := $(wildcard src/daemon/*.cc)
cli_srcs    := $(wildcard src/cli/*.cc)
exec_srcs   := $(wildcard src/executor/*.cc) src/util/result.cc src/util/durable_file.cc src/util/executor_protocol.cc
unit_srcs   := $(shell find tests/unit -name '*.cc' 2>/dev/null)
tool_srcs   := $(wildcard tests/tools/*.cc)
fuzz_srcs   := $(wildcard tests/fuzz/*_fuzz.cc)

obj = $(patsubst %.cc,$(BUILD)/obj/%.o,$(1))

LIB       := $(BUILD)/lib/libtwinbeat.a
DAEMONLIB := $(BUILD)/lib/libtwinbeatd.a
CLILIB    := $(BUILD)/lib/libtwinbeatcli.a

BINS := $(BUILD)/bin/twinbeatd $(BUILD)/bin/twinbeat $(BUILD)/bin/twinbeat-executor \
        $(BUILD)/bin/fence_twinbeat_libvirt

.PHONY: all deps check bench soak install unit-tests san-tests fuzzers tools clean demo
.DEFAULT_GOAL := all
# Objects of the test tools are intermediates of one binary each; keep them.
.SECONDARY:

all: deps $(BINS)

deps:
	@tests/deps.sh build

$(BUILD)/obj/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(LIB): $(call obj,$(lib_srcs))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(DAEMONLIB): $(call obj,$(filter-out src/daemon/main.cc,$(daemon_srcs)))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(CLILIB): $(call obj,$(filter-out src/cli/main.cc,$(cli_srcs)))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/twinbeatd: $(call obj,src/daemon/main.cc) $(DAEMONLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(STATIC_CXXRT) $^ $(PKG_LIBS) -o $@

$(BUILD)/bin/twinbeat: $(call obj,src/cli/main.cc) $(CLILIB) $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $^ $(PKG_LIBS) -o $@

# Fully static: the executor maps no shared library, so it stays under 1 MiB.
$(BUILD)/bin/twinbeat-executor: $(call obj,$(exec_srcs))
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $(if $(filter 1,$(SAN)),,-static) $^ -o $@

# The libvirt fence agent, the only binary that links libvirt (the daemon
# never does). Its request parser (request.cc) has no libvirt in it, so the
# unit tests link it too; the other files get libvirt's flags, installing
# libvirt-dev first if it is missing (tests/deps.sh fence).
fence_srcs      := $(wildcard src/fence_libvirt/*.cc)
fence_virt_srcs := $(filter-out src/fence_libvirt/request.cc,$(fence_srcs))

$(call obj,$(fence_virt_srcs)): $(BUILD)/obj/%.o: %.cc
	@pkg-config --exists libvirt || tests/deps.sh fence
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) $$(pkg-config --cflags libvirt) -c $< -o $@

$(BUILD)/bin/fence_twinbeat_libvirt: $(call obj,$(fence_srcs) src/util/result.cc)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $^ $$(pkg-config --libs libvirt) -o $@

# Unit tests: one CppUTest binary. Std headers come before CppUTest's, whose
# leak detector redefines new (see tests/unit/main.cc).
$(BUILD)/obj/tests/unit/%.o: CXXFLAGS += $(TEST_CFLAGS)
$(BUILD)/bin/unit_tests: $(call obj,$(unit_srcs)) $(DAEMONLIB) $(CLILIB) $(LIB) \
                        $(call obj,src/fence_libvirt/request.cc)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $^ $(PKG_LIBS) $(TEST_LIBS) -o $@

unit-tests: deps $(BUILD)/bin/unit_tests

# Test tools (packet injector and friends), used by tests/e2e.
$(BUILD)/bin/%: $(BUILD)/obj/tests/tools/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) $^ $(PKG_LIBS) -o $@

tools: deps $(patsubst tests/tools/%.cc,$(BUILD)/bin/%,$(tool_srcs))

# libFuzzer targets: make FUZZ=1 CXX=clang++ BUILD=build/fuzz fuzzers
$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CXX) $(CXXFLAGS) -fsanitize=fuzzer $^ $(PKG_LIBS) -o $@

fuzzers: $(patsubst tests/fuzz/%.cc,$(BUILD)/fuzz/%,$(fuzz_srcs))

check: all tools
	@tests/deps.sh test
	@tests/check.sh

# The two-node haproxy pair on this machine, a takeover and a failback.
demo: all tools
	@tests/deps.sh demo
	@tests/demo.sh

bench: all tools
	@tests/deps.sh bench
	@TB_BIN=$(abspath $(BUILD))/bin tests/bench/run.sh

# Both cores saturated and 20 % of the cluster packets lost, twinbeat and
# keepalived side by side, for SOAK_SECONDS (default 600).
soak: all tools
	@tests/deps.sh bench
	@TB_BIN=$(abspath $(BUILD))/bin tests/bench/soak.sh

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(SYSCONFDIR)/ha.d/resource.d
	install -m 0755 $(BUILD)/bin/twinbeatd $(BUILD)/bin/twinbeat $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(BUILD)/bin/fence_twinbeat_libvirt $(DESTDIR)$(SBINDIR)/
	install -m 0755 $(BUILD)/bin/twinbeat-executor $(DESTDIR)$(LIBEXECDIR)/
	@# Templates only where absent: never overwrite an administrator's files.
	@for f in ha.cf haresources; do \
	  [ -e $(DESTDIR)$(SYSCONFDIR)/ha.d/$$f ] || install -m 0644 ha.d/$$f $(DESTDIR)$(SYSCONFDIR)/ha.d/$$f; \
	done
	@[ -e $(DESTDIR)$(SYSCONFDIR)/ha.d/authkeys ] || install -m 0600 ha.d/authkeys $(DESTDIR)$(SYSCONFDIR)/ha.d/authkeys
	@for f in ha.d/resource.d/*; do \
	  [ -e $(DESTDIR)$(SYSCONFDIR)/ha.d/resource.d/$${f##*/} ] || \
	    install -m 0755 $$f $(DESTDIR)$(SYSCONFDIR)/ha.d/resource.d/; \
	done
	@# Heartbeat's command names, as links to the CLI.
	install -d $(DESTDIR)$(PREFIX)/bin
	ln -sf twinbeat $(DESTDIR)$(SBINDIR)/hb_standby
	ln -sf twinbeat $(DESTDIR)$(SBINDIR)/hb_takeover
	ln -sf $(SBINDIR)/twinbeat $(DESTDIR)$(PREFIX)/bin/cl_status
	for m in man/*.[1-8]; do \
	  install -D -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; \
	done
	install -D -m 0755 init/twinbeat $(DESTDIR)$(SYSCONFDIR)/init.d/twinbeat
	install -D -m 0644 init/twinbeat.service $(DESTDIR)$(SYSTEMDUNITDIR)/twinbeat.service

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
