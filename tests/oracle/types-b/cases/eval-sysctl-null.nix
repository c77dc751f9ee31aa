{ ... }:
{
  boot.kernel.sysctl."net.core.bpf_jit_enable" = null;
}
