"""A Listener in main accepts a Client from a child; they trade one message each way."""

from multiprocessing import Process
from multiprocessing.connection import Client, Listener


def call(address, key):
    with Client(address, authkey=key) as conn:
        conn.send(["ping", 1])
        conn.send(conn.recv() + " back")


if __name__ == "__main__":
    key = b"not secret"
    with Listener(("127.0.0.1", 0), authkey=key) as listener:
        p = Process(target=call, args=(listener.address, key))
        p.start()
        with listener.accept() as conn:
            print("received", conn.recv())
            conn.send("pong")
            print("received", conn.recv())
        p.join()
    print("child exit code", p.exitcode)
