/*
 * cgsystemd.c - a user's cgroup as a transient systemd scope: created with
 * Delegate=yes and the policy's limits as unit properties, so systemd owns
 * the limits (they survive daemon-reload and daemon-reexec and show in
 * systemctl) and lxlogin only writes below the scope, in what it delegated.
 *
 * Spoken over systemd's private socket (root only; no dbus-daemon, no
 * polkit, no environment consulted), as systemctl does for root.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "cgname.h"
#include "core.h"

#define SYSTEMD_PRIVATE_BUS "unix:path=/run/systemd/private"
#define JOB_TIMEOUT_US (60ULL * 1000 * 1000)

/* systemd is the init of this system (sd_booted()'s test). */
static void bus_closep(sd_bus **b)
{
	sd_bus_flush_close_unref(*b);
}

static void msg_unrefp(sd_bus_message **m)
{
	sd_bus_message_unref(*m);
}

static int bus_open(sd_bus **ret, struct core_err *e)
{
	sd_bus *bus = NULL;
	int r = sd_bus_new(&bus);

	if (r >= 0)
		r = sd_bus_set_address(bus, SYSTEMD_PRIVATE_BUS);
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r < 0) {
		sd_bus_unref(bus);
		return core_fail(e, r, "systemd: cannot connect to /run/systemd/private: %s", strerror(-r));
	}
	*ret = bus;
	return 0;
}

static int bus_fail(struct core_err *e, int r, const sd_bus_error *err, const char *what, const char *unit)
{
	return core_fail(e, r < 0 ? r : -EIO, "systemd: %s %s: %s", what, unit,
			 err && err->message ? err->message : strerror(r < 0 ? -r : EIO));
}

/* AllowedCPUs, if the container runs on some of the CPUs only (cgroup_cpus_pick). */
static int append_cpus(sd_bus_message *m, const char *cpus)
{
	uint8_t mask[CGROUP_CPUS_MAX / 8];
	int used = cpus[0] ? cgroup_cpus_mask(cpus, mask, sizeof(mask)) : 0, r;

	if (used <= 0)
		return 0;
	r = sd_bus_message_open_container(m, 'r', "sv");
	if (r >= 0)
		r = sd_bus_message_append(m, "s", "AllowedCPUs");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'v', "ay");
	if (r >= 0)
		r = sd_bus_message_append_array(m, 'y', mask, (size_t)used);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r < 0 ? r : sd_bus_message_close_container(m);
}

/* The policy's limits as unit properties (UINT64_MAX is systemd's "infinity" for each). */
static int append_limits(sd_bus_message *m, const struct cgroup_limits *lim)
{
	uint64_t quota = lim->cpu_quota_us == UINT64_MAX || lim->cpu_period_us == 0
				 ? UINT64_MAX
				 : lim->cpu_quota_us * 1000000 / lim->cpu_period_us;
	int r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)(sv)", "MemoryMax", "t", lim->memory, "MemorySwapMax",
				      "t", lim->swap, "CPUQuotaPerSecUSec", "t", quota, "CPUWeight", "t",
				      (uint64_t)lim->cpu_weight, "TasksMax", "t", lim->pids, "IOWeight", "t",
				      (uint64_t)lim->io_weight);

	return r < 0 ? r : append_cpus(m, lim->cpus);
}

struct job_wait {
	const char *path;
	char result[32];
	bool done;
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	struct job_wait *w = userdata;
	const char *path = NULL, *unit = NULL, *result = NULL;
	uint32_t id;

	(void)err;
	if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0 || !w->path || strcmp(path, w->path) != 0)
		return 0;
	snprintf(w->result, sizeof(w->result), "%s", result);
	w->done = true;
	return 0;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * Call a Manager method that queues a job (its reply is the job's path) and
 * wait until the job is over; "done" is success. The JobRemoved signal may
 * arrive before the reply: sd_bus_call queues it, and it is dispatched after.
 */
static int call_job(sd_bus *bus, sd_bus_message *m, const char *what, const char *unit, struct core_err *e)
{
	__attribute__((cleanup(msg_unrefp))) sd_bus_message *reply = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	struct job_wait w = { NULL, "", false };
	sd_bus_slot *slot = NULL;
	uint64_t deadline;
	int r;

	r = sd_bus_match_signal(bus, &slot, NULL, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
				"JobRemoved", on_job_removed, &w);
	if (r < 0)
		return bus_fail(e, r, NULL, what, unit);
	r = sd_bus_call(bus, m, JOB_TIMEOUT_US, &err, &reply);
	if (r >= 0)
		r = sd_bus_message_read(reply, "o", &w.path);
	if (r < 0) {
		if (sd_bus_error_has_name(&err, "org.freedesktop.systemd1.NoSuchUnit"))
			r = -ENOENT;
		else if (sd_bus_error_has_name(&err, "org.freedesktop.systemd1.UnitExists"))
			r = -EEXIST;
		bus_fail(e, r, &err, what, unit);
		goto out;
	}
	deadline = now_us() + JOB_TIMEOUT_US;
	while (!w.done) {
		uint64_t now = now_us();
		r = sd_bus_process(bus, NULL);
		if (r > 0)
			continue;
		if (r == 0 && now < deadline)
			r = sd_bus_wait(bus, deadline - now);
		if (r == 0)
			r = -ETIMEDOUT;
		if (r < 0) {
			bus_fail(e, r, NULL, what, unit);
			goto out;
		}
	}
	r = strcmp(w.result, "done") == 0 ? 0 : core_fail(e, -EIO, "systemd: %s %s: job %s", what, unit, w.result);
out:
	sd_bus_error_free(&err);
	sd_bus_slot_unref(slot);
	return r;
}

static int manager_call(sd_bus *bus, sd_bus_message **ret, const char *method)
{
	return sd_bus_message_new_method_call(bus, ret, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
					      "org.freedesktop.systemd1.Manager", method);
}

/* Start <scope> in the slice with pid in it, delegated, with the limits. */
static int scope_start(sd_bus *bus, const char *user, const char *scope, pid_t pid, const struct cgroup_limits *lim,
		       struct core_err *e)
{
	__attribute__((cleanup(msg_unrefp))) sd_bus_message *m = NULL;
	char description[128];
	int r;

	snprintf(description, sizeof(description), "lxlogin container of %s", user);
	r = manager_call(bus, &m, "StartTransientUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", scope, "fail");
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = sd_bus_message_append(m, "(sv)(sv)(sv)(sv)(sv)", "Description", "s", description, "Slice", "s",
					  CGNAME_SLICE, "Delegate", "b", 1, "CollectMode", "s", "inactive-or-failed",
					  "PIDs", "au", 1, (uint32_t)pid);
	if (r >= 0)
		r = append_limits(m, lim);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sa(sv))", 0);
	if (r < 0)
		return bus_fail(e, r, NULL, "start", scope);
	return call_job(bus, m, "start", scope, e);
}

static int scope_stop(sd_bus *bus, const char *scope, struct core_err *e)
{
	__attribute__((cleanup(msg_unrefp))) sd_bus_message *m = NULL;
	int r = manager_call(bus, &m, "StopUnit");

	if (r >= 0)
		r = sd_bus_message_append(m, "ss", scope, "replace");
	if (r < 0)
		return bus_fail(e, r, NULL, "stop", scope);
	r = call_job(bus, m, "stop", scope, e);
	return r == -ENOENT ? 0 : r;
}

/* Forget a failed or stopped scope of that name that systemd still holds (ignored if none). */
static void scope_reset(sd_bus *bus, const char *scope)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;

	(void)sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
				 "org.freedesktop.systemd1.Manager", "ResetFailedUnit", &err, NULL, "s", scope);
	sd_bus_error_free(&err);
}

/*
 * The user's scope with these limits: a running scope gets them as runtime
 * properties (what systemctl set-property --runtime does); otherwise the
 * scope is started with pid as its first process. 0, or -errno with e set.
 */
int cgsystemd_scope_ensure(const char *user, bool running, pid_t pid, const struct cgroup_limits *lim,
			   struct core_err *e)
{
	__attribute__((cleanup(bus_closep))) sd_bus *bus = NULL;
	__attribute__((cleanup(msg_unrefp))) sd_bus_message *m = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	char scope[128];
	int r;

	if (cgname_scope(user, scope, sizeof(scope)) < 0)
		return core_fail(e, -ENAMETOOLONG, "systemd: scope name of %s: too long", user);
	r = bus_open(&bus, e);
	if (r < 0)
		return r;
	if (!running) {
		r = scope_start(bus, user, scope, pid, lim, e);
		if (r == -EEXIST) { /* a stopped one systemd has not let go of yet */
			scope_reset(bus, scope);
			r = scope_stop(bus, scope, e);
			if (r == 0)
				r = scope_start(bus, user, scope, pid, lim, e);
		}
		return r;
	}
	r = manager_call(bus, &m, "SetUnitProperties");
	if (r >= 0)
		r = sd_bus_message_append(m, "sb", scope, 1);
	if (r >= 0)
		r = sd_bus_message_open_container(m, 'a', "(sv)");
	if (r >= 0)
		r = append_limits(m, lim);
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	if (r >= 0)
		r = sd_bus_call(bus, m, JOB_TIMEOUT_US, &err, NULL);
	if (r < 0)
		bus_fail(e, r, &err, "set the limits of", scope);
	sd_bus_error_free(&err);
	return r < 0 ? r : 0;
}

/* Stop the user's scope (it has no process left: nothing is killed) and let systemd remove its cgroup. */
int cgsystemd_scope_stop(const char *user, struct core_err *e)
{
	__attribute__((cleanup(bus_closep))) sd_bus *bus = NULL;
	char scope[128];
	int r;

	if (cgname_scope(user, scope, sizeof(scope)) < 0)
		return core_fail(e, -ENAMETOOLONG, "systemd: scope name of %s: too long", user);
	r = bus_open(&bus, e);
	if (r == 0)
		r = scope_stop(bus, scope, e);
	return r;
}
