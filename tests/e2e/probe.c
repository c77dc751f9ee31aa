/* What a process may do, as one line per probe: the name and the errno
 * the attempt ended with (0: it succeeded). The end-to-end test runs it
 * under a container's init and under `nixunits nsenter` and compares the
 * two tables (issue 11: nsenter is no stronger than the container).
 *
 * Every call is made harmless by its arguments (bad pointers, paths that do
 * not exist, invalid flags, an out-of-range length): what differs between
 * allowed and denied is only the errno — EPERM (or EAFNOSUPPORT, ENOSYS)
 * from the system-call filter or a missing capability, another error from
 * the call itself. Built static (gcc -static), since the payload has no C
 * library. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/netlink.h>

#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif

static const char *NOWHERE = "/nonexistent/nixunits-probe";

static void report(const char *name, long r) {
    printf("%s %d\n", name, r < 0 ? errno : 0);
}

#define SYS(name, ...)                                   \
    do {                                                 \
        errno = 0;                                       \
        report(#name, syscall(SYS_##name, __VA_ARGS__)); \
    } while (0)

static void sock(const char *name, int family, int type, int proto) {
    errno = 0;
    int fd = socket(family, type, proto);
    report(name, fd);
    if (fd >= 0)
        close(fd);
}

int main(void) {
    /* The list: what the first nsenter allowed and the init did not. */
    SYS(add_key, "user", "nixunits-probe", NULL, 0, -1);
    SYS(keyctl, -1, 0, 0, 0, 0);
    SYS(request_key, "user", "nixunits-probe", NULL, -1);
    SYS(sysfs, 99, 0, 0);
    SYS(uselib, NOWHERE);
    SYS(ustat, 0, NULL);
    SYS(quotactl, 0, NOWHERE, 0, NULL);
    sock("netlink_audit", AF_NETLINK, SOCK_RAW, NETLINK_AUDIT);

    /* Other obsolete, privileged or rarely needed calls. */
    SYS(personality, 0xffffffffUL);
    SYS(acct, NOWHERE);
    SYS(syslog, 10, NULL, 0);
    SYS(swapon, NOWHERE, 0);
    SYS(swapoff, NOWHERE);
    SYS(reboot, 0, 0, 0, NULL);
    SYS(init_module, NULL, 0, "");
    SYS(finit_module, -1, "", 0);
    SYS(delete_module, "nixunits_probe", 0);
    SYS(kexec_load, 0, 0, NULL, 0xffffffffUL);
    SYS(kexec_file_load, -1, -1, 0, NULL, 0xffffffffUL);
    SYS(ptrace, -1, 0, NULL, NULL);
    SYS(process_vm_readv, 0, NULL, 0, NULL, 0, 0);
    SYS(process_vm_writev, 0, NULL, 0, NULL, 0, 0);
    SYS(perf_event_open, NULL, 0, -1, -1, 0);
    SYS(bpf, -1, NULL, 0);
    SYS(userfaultfd, -1);
    SYS(clock_settime, -1, NULL);
    SYS(settimeofday, NULL, (void *)1);
    SYS(adjtimex, NULL);
    SYS(clock_adjtime, -1, NULL);
    SYS(ioperm, 0, 0, 0);
    SYS(iopl, 99);
    SYS(modify_ldt, 99, NULL, 0);
    SYS(mount, NULL, NOWHERE, NULL, 0, NULL);
    SYS(umount2, NOWHERE, 0);
    SYS(pivot_root, NOWHERE, NOWHERE);
    SYS(chroot, NOWHERE);
    SYS(setns, -1, 0);
    SYS(open_by_handle_at, -1, NULL, 0);
    SYS(name_to_handle_at, -1, NOWHERE, NULL, NULL, 0);
    SYS(lookup_dcookie, 0, NULL, 0);
    SYS(sethostname, NULL, -1);
    SYS(setdomainname, NULL, -1);
    SYS(mknodat, -1, NOWHERE, 0, 0);
    SYS(fanotify_init, 0xffffffffU, 0);
    SYS(open_tree, -1, NOWHERE, 0);
    SYS(fsopen, NULL, 0xffffffffU);
    SYS(kcmp, 0, 0, 99, 0, 0);
    SYS(pidfd_getfd, -1, -1, 0);
    SYS(io_uring_setup, 0, NULL);
    SYS(nfsservctl, 0, NULL, NULL);
    SYS(getpid, 0);
    SYS(unshare, 0);

    /* Socket families. */
    sock("unix_stream", AF_UNIX, SOCK_STREAM, 0);
    sock("inet_stream", AF_INET, SOCK_STREAM, 0);
    sock("inet6_dgram", AF_INET6, SOCK_DGRAM, 0);
    sock("inet_raw_icmp", AF_INET, SOCK_RAW, 1);
    sock("netlink_route", AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    sock("netlink_uevent", AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT);
    sock("netlink_xfrm", AF_NETLINK, SOCK_RAW, NETLINK_XFRM);
    sock("packet_raw", AF_PACKET, SOCK_RAW, 0);
    sock("key", AF_KEY, SOCK_RAW, 2);
    sock("alg", AF_ALG, SOCK_SEQPACKET, 0);
    sock("vsock", AF_VSOCK, SOCK_STREAM, 0);
    sock("xdp", AF_XDP, SOCK_RAW, 0);
    sock("appletalk", AF_APPLETALK, SOCK_DGRAM, 0);
    sock("ax25", AF_AX25, SOCK_SEQPACKET, 0);
    return 0;
}
