def w():
 with e:
  C:w