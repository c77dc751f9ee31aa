{ port = 7000; name = "data"; }
