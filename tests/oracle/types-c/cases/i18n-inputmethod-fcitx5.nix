{ ... }: { i18n.inputMethod.enabled = "fcitx5"; }
