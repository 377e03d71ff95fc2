; Machine test ROM: puts the VGA in 80x25 colour text mode through its
; registers, writes a line into the text buffer at 0xB8000 and halts, for
; the captureScreen .txt test (test/vmrun_screen.sh).  Needs MOV to a
; segment register and STOSW from the CPU.
bits 16
org 0
start:	mov dx, 0x3c2
	mov al, 0x67
	out dx, al		; misc output: colour, 0x3Dx CRTC
	mov si, seq_tab
	mov dx, 0x3c4
	mov cx, 3
	call pairs
	mov si, crtc_tab
	mov dx, 0x3d4
	mov cx, 7
	call pairs
	mov si, gr_tab
	mov dx, 0x3ce
	mov cx, 2
	call pairs
	mov ax, 0xb800
	mov es, ax
	xor di, di
	mov ax, 0x0720		; clear 80x25 with grey-on-black spaces
	mov cx, 2000
	cld
	rep stosw
	mov di, 160		; second row
	mov si, msg
	mov ah, 0x07
.msg:	cs lodsb
	test al, al
	jz .done
	stosw
	jmp .msg
.done:	cli
.halt:	hlt
	jmp .halt

; Writes CX (index, value) byte pairs from CS:SI to the index/data ports DX/DX+1.
pairs:	cs lodsb
	out dx, al
	inc dx
	cs lodsb
	out dx, al
	dec dx
	loop pairs
	ret

seq_tab:	db 1, 0x00, 2, 0x03, 4, 0x02
crtc_tab:	db 0x11, 0x00, 1, 0x4f, 7, 0x1f, 9, 0x4f, 0x12, 0x8f, 0x13, 0x28, 0x0a, 0x20
gr_tab:		db 5, 0x10, 6, 0x0e
msg:		db "hostvm text screen", 0

times 0xfff0-($-$$) db 0xf4
	jmp 0xf000:start
times 0x10000-($-$$) db 0xf4
