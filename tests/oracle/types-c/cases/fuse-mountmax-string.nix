{ ... }: { programs.fuse.mountMax = "1000"; }
