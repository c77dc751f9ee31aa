{ ... }: {
  environment.variables = {
    MY_SEARCH_PATH = [ "/opt/a/bin" "/opt/b/bin" ];
    EDITOR = "nvim";
  };
}
