{ ... }: { hardware.opengl.package = { name = "mesa"; }; }
