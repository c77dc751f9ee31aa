{ id, ... }:
let
  ${id} = 1;
in
{ inherit ${id}; }
