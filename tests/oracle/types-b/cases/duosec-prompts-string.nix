{ ... }:
{
  security.duosec.prompts = "3";
}
