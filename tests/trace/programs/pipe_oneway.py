"""A one-way Pipe: the child writes on the sending end, main reads until it is closed."""

import multiprocessing


def write(conn):
    for word in ["one", "two", "three"]:
        conn.send(word)
    conn.send_bytes(b"raw bytes")
    conn.close()


if __name__ == "__main__":
    reader, writer = multiprocessing.Pipe(duplex=False)
    p = multiprocessing.Process(target=write, args=(writer,))
    p.start()
    writer.close()  # so that recv raises EOFError once the child's end is closed too
    print(reader.recv(), reader.recv(), reader.recv())
    print(reader.recv_bytes())
    try:
        reader.recv()
    except EOFError:
        print("EOF: the writer closed its end")
    p.join()
