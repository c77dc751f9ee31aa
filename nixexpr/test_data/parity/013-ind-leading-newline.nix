''
  indented
    more
''