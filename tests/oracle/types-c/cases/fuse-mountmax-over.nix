{ ... }: { programs.fuse.mountMax = 32768; }
