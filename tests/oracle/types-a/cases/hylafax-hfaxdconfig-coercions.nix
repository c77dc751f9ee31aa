{ ... }: {
  services.hylafax.hfaxdConfig = {
    RecvqProtection = "0400";
    MaxLoginAttempts = 5;
    AllowSocketsUpload = true;
    ServerTracing = [ 1 "0x2" false ];
  };
}
