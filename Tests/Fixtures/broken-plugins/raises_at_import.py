value = 1


def compute():
    raise RuntimeError('configuration missing')


compute()
