# test-paths.sh - the test instance's own paths (sourced by scripts/check and bench/run): tests never
# touch the host's /etc/lxlogin, /var/lib/lxlogin, /run/lxlogin or the lxlogin cgroups.
TEST_CONFIG_DIR=/run/lxlogin-test/etc
TEST_STATE_DIR=/var/lib/lxlogin-test
TEST_RUN_DIR=/run/lxlogin-test/run
TEST_CGROUP=lxlogin-test
TEST_LIBEXEC_DIR=/var/lib/lxlogin-test-bin
TEST_IMAGE_CACHE=$TEST_STATE_DIR-cache # the Debian test image, built once per run
TEST_PATHS=(-DLXLOGIN_CONFIG_DIR=$TEST_CONFIG_DIR -DLXLOGIN_STATE_DIR=$TEST_STATE_DIR
	-DLXLOGIN_RUN_DIR=$TEST_RUN_DIR -DLXLOGIN_CGROUP_NAME=$TEST_CGROUP
	-DLXLOGIN_LIBEXEC_DIR=$TEST_LIBEXEC_DIR)
