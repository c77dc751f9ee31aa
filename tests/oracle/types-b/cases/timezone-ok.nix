{ ... }:
{
  time.timeZone = "Europe/Amsterdam";
}
