/* admin.h - lxloginctl's view of all containers: list, status, reap, doctor (lxloginctl only). */
#ifndef LXLOGIN_ADMIN_H
#define LXLOGIN_ADMIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

int admin_list(bool json);
int admin_status(const char *name);
int admin_reap(void);
int admin_doctor(bool fix, const char *sshd_config);

/* program.c */
int program_run(const char *path, char *const argv[], const char *in, char *out, size_t size);

/* sshdcheck.c */
size_t sshd_check(const char *config, char *const *users, size_t n);

/* netadmin.c */
int network_setup(const char *config_dir);
int network_teardown(const char *config_dir);
int network_show(void);
int network_release(const char *user);

#endif
