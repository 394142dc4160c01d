"""Children leave with os._exit right after a put and a send: no exit hook runs after them."""

import multiprocessing
import os


def put_then_exit(q):
    q.put("put before os._exit")
    os._exit(0)


def send_then_exit(conn):
    conn.send("sent before os._exit")
    os._exit(0)


if __name__ == "__main__":
    q = multiprocessing.SimpleQueue()
    p = multiprocessing.Process(target=put_then_exit, args=(q,))
    p.start()
    print(q.get())
    p.join()
    reader, writer = multiprocessing.Pipe(duplex=False)
    c = multiprocessing.Process(target=send_then_exit, args=(writer,))
    c.start()
    print(reader.recv())
    c.join()
    print("exit codes", p.exitcode, c.exitcode)
