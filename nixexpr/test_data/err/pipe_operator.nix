{ lib, ... }:
{
  environment.etc.x.text = [ "a" "b" ] |> lib.concatStrings;
}
