{ ... }: { programs.fuse.mountMax = 32767; }
