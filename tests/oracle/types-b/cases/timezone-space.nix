{ ... }:
{
  time.timeZone = "America/New York";
}
