{ ... }:
{
  environment.etc.issue.text = "Unauthorised access prohibited";
}
