{ ... }:
{
  environment.etc = [
    { target = "issue"; text = "Authorised access only\n"; }
  ];
}
