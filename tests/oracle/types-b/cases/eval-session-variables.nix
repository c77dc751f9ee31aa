{ ... }:
{
  environment.sessionVariables.XDG_CONFIG_HOME = "$HOME/.config";
  environment.variables.MY_DIRS = [ "/srv/a" "/srv/b" ];
}
