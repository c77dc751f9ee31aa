{ ... }:
{
  environment.etc.ratio.text = toString (1 / 3.0);
  environment.etc.ratio2.text = toString 2.7182818284;
}
