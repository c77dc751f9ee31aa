{ ... }: {
  services.certmgr.specs.web = { service = "nginx"; action = "rebuild"; request = { CN = "a"; }; authority = { remote = "x"; file.path = "/a"; }; certificate.path = "/b"; private_key.path = "/c"; };
}
