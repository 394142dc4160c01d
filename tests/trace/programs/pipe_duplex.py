"""Ping-pong over a duplex Pipe: each side sends on the end it also receives on."""

import multiprocessing


def pong(conn):
    while (n := conn.recv()) is not None:
        conn.send(n + 1)
    conn.close()


if __name__ == "__main__":
    here, there = multiprocessing.Pipe()
    p = multiprocessing.Process(target=pong, args=(there,))
    p.start()
    there.close()  # the child's end: main holds it no more, so the child's close is EOF here
    n = 0
    for _ in range(4):
        here.send(n)
        n = here.recv() * 2
        print("now", n)
    here.send(None)
    p.join()
    print("poll after the child closed:", here.poll(5))
