{ ... }:
{
  environment.etc."policy.json".text = builtins.toJSON {
    allow = [ [ "GET" "/" ] [ "POST" "/api" ] ];
    deny = null;
    audit = true;
    extra = { };
  };
}
