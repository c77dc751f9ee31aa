{ lib, ... }:
let features = [ "metrics" "tracing" ]; in {
  services.app.metrics = builtins.elem "metrics" features;
  services.app.profiling = builtins.elem "profiling" features;
}
