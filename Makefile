# Tenant isolation targets (see the README). They call the tenant-isolation CLI; settings come
# from the environment and config/environments/tenant-isolation.env.
#
#   make isolate TENANT_ID=acme-corp [KEEP_SHARED_DATA=true] [SKIP_CLOUD_RUN=true] [CONFIRM=true]
#   make isolate-db-only TENANT_ID=acme-corp
#   make tenant-status TENANT_ID=acme-corp [JSON=true]
#   make rollback TENANT_ID=acme-corp [KEEP_ISOLATED_DATA=true] [CONFIRM=true]
#   make isolate TENANT_ID=acme-corp TARGET_DATABASE_URL=postgres://… [TARGET_DATABASE_CA_FILE=ca.pem]
#   make isolate TENANT_ID=acme-corp CLEANUP_REFERENCED_ROWS=remove-unused
#   make isolate TENANT_ID=acme-corp ISOLATION_LEVEL=schema
#
# `isolate` and `rollback` ask for confirmation on a terminal; CONFIRM=true skips the question
# (needed without a terminal). CLI= overrides the command, e.g. CLI=tenant-isolation.

CLI ?= node --import tsx src/cli/main.ts
TENANT_ID ?=
KEEP_SHARED_DATA ?= false
KEEP_ISOLATED_DATA ?= false
SKIP_CLOUD_RUN ?= false
CONFIRM ?= false
JSON ?= false
DRY_RUN ?= false
# The tenant's own server (default: the shared one). Passed through the environment, never
# spliced into a command line (the URL carries a password).
export TARGET_DATABASE_URL
export TARGET_DATABASE_CA_FILE
# keep | remove-unused: at cleanup, also remove the referenced rows no remaining row references.
export CLEANUP_REFERENCED_ROWS
# database | schema (default: the tenants row's settings.isolation_level, else database).
export ISOLATION_LEVEL
# off | auto: split a table that dominates the copy into block ranges.
export COPY_RANGES

is_true = $(filter true TRUE True 1 yes,$(1))

.PHONY: help isolate isolate-db-only tenant-status rollback demo check-tenant

help:
	@sed -n '1,15p' Makefile

# TENANT_ID reaches a shell command: allow only slug characters (the CLI checks the full rule).
slug_chars := a b c d e f g h i j k l m n o p q r s t u v w x y z 0 1 2 3 4 5 6 7 8 9 -
strip_chars = $(if $(2),$(call strip_chars,$(subst $(firstword $(2)),,$(1)),$(wordlist 2,99,$(2))),$(1))
slug_rest = $(call strip_chars,$(TENANT_ID),$(slug_chars))

check-tenant:
	$(if $(TENANT_ID),,$(error TENANT_ID is not set (e.g. make $(or $(MAKECMDGOALS),isolate) TENANT_ID=acme-corp)))
	$(if $(strip $(slug_rest))$(word 2,$(TENANT_ID)),$(error TENANT_ID may contain only lowercase letters, digits and hyphens))
	@true

promote_flags = $(strip \
  $(if $(call is_true,$(KEEP_SHARED_DATA)),--keep-shared-data) \
  $(if $(call is_true,$(DRY_RUN)),--dry-run) \
  $(if $(call is_true,$(CONFIRM)),--confirm))

isolate: check-tenant
	$(CLI) promote --tenant-slug=$(TENANT_ID) $(strip $(if $(call is_true,$(SKIP_CLOUD_RUN)),--no-cloud-run) $(promote_flags))

isolate-db-only: check-tenant
	$(CLI) promote --tenant-slug=$(TENANT_ID) --no-cloud-run $(promote_flags)

tenant-status: check-tenant
	$(CLI) status --tenant-slug=$(TENANT_ID) $(if $(call is_true,$(JSON)),--json)

rollback: check-tenant
	$(CLI) rollback --tenant-slug=$(TENANT_ID) $(strip \
	  $(if $(call is_true,$(KEEP_ISOLATED_DATA)),--keep-isolated-data) \
	  $(if $(call is_true,$(SKIP_CLOUD_RUN)),--no-cloud-run) \
	  $(if $(call is_true,$(CONFIRM)),--confirm))

demo:
	npm run demo
