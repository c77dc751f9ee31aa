final: prev: {
  hello-wrapped = prev.hello;
}
