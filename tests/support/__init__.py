"""Helpers shared by the tests and the benchmarks (import them as ``tests.support.<module>``).

- ``imapserver``: a real Dovecot on 127.0.0.1 (:func:`~tests.support.imapserver.start_dovecot`)
  and a fault-injecting TCP proxy;
- ``redisserver``: a real redis-server on 127.0.0.1;
- ``webmail_client``: the app pointed at a test Dovecot, a signed-in reader, the demo mail;
- ``syncdata``: users and synthetic messages for the index tests;
- ``mailsite``: what the browser tests load and the signed-in page they share;
- ``inert``: the checks that sanitised HTML can run nothing and fetch nothing;
- plugins (registered in tests/conftest.py): ``servers`` (Dovecot fixtures), ``corpus`` (the
  header corpora).
"""
