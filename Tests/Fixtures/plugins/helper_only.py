# A helper module with no policy units: loads fine, registers nothing.
def shared_helper():
    return 1
