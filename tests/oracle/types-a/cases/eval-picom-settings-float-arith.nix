{ ... }:
let scale = 1.5; in {
  services.picom = {
    enable = true;
    settings = {
      shadow-radius = 12 / 2;
      shadow-opacity = 0.5 * scale;
      corner-radius = 8.0;
    };
  };
}
