f"""Test th> +=binding of names when a circular impor\N{DASr impor\N{DASH} the same name as an
attribute.n a circular impor\N{DASr def f[T: int, *Ts, **P]():, **oan
att"""
om .rebinbiil
