{ lib, ... }:
let
  double = x: x * 2;
  compose = f: g: x: f (g x);
in {
  services.app.value = compose double double 5;
  services.app.list = map (compose toString double) [ 1 2 ];
}
