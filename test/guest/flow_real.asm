; Near control flow, stack and string instructions in real mode, end to end
; from the reset vector: INT n / INT3 / INTO through the IVT, BOUND's #BR,
; LOOP/LOOPE/JCXZ, CALL/RET imm16, indirect JMP/CALL, ENTER with nesting
; and LEAVE, PUSHA/POPA, POP to an SP-based operand, REP MOVSB/MOVSW with
; overlap and DF=1, REPE CMPSB, REPNE SCASB, a segment override on MOVS,
; REP OUTSB and REP INSB on the debug port.
; Prints "flow ok" on port 0xE9, exits with 0 on port 0xF4, or with the
; number of the failing check.
	bits 16
	org 0
BUF	equ 0x2000
CNT	equ 0x5F0

start:	cli
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, 0x7000
	mov word [0x80*4], int80
	mov word [0x80*4+2], cs
	mov word [3*4], int3h
	mov word [3*4+2], cs
	mov word [4*4], int4h
	mov word [4*4+2], cs
	mov word [5*4], brh
	mov word [5*4+2], cs
	cld

	mov bl, 1                  ; INT n returns with the handler's AX
	mov ax, 1
	int 0x80
	cmp ax, 0x81
	jne fail
	mov word [CNT], 0
	int3
	mov al, 0x7f               ; INTO: no trap with OF=0, trap with OF=1
	add al, 0                  ; OF=0
	into
	add al, 1                  ; 0x7f + 1 overflows
	into
	cmp word [CNT], 0x0101
	jne fail

	mov bl, 2                  ; BOUND: in range, then out of range -> #BR;
	mov word [BUF], 10         ; the handler clamps SI and BOUND reruns
	mov word [BUF+2], 20
	mov si, 15
	bound si, [BUF]
	mov si, 25
	bound si, [BUF]
	cmp si, 20
	jne fail

	mov bl, 3                  ; LOOP counts CX; LOOPE stops on ZF=0
	xor ax, ax
	mov cx, 5
.l1:	inc ax
	loop .l1
	cmp ax, 5
	jne fail
	test cx, cx
	jne fail
	mov cx, 10
	xor dx, dx
.l2:	inc dx
	cmp dx, 3
	loope .l2                  ; exits after dx=1 (ZF=0 on 1 != 3)
	cmp dx, 1
	jne fail
	xor cx, cx
	jcxz .z
	jmp fail
.z:
	mov bl, 4                  ; RET imm16 drops the arguments
	push word 7
	push word 9
	mov cx, sp
	call addtwo
	add cx, 4
	cmp sp, cx
	jne fail
	cmp dx, 16
	jne fail

	mov bl, 5                  ; indirect JMP and CALL
	mov word [BUF], .tgt
	jmp word [BUF]
	jmp fail
.tgt:	mov ax, sub5
	call ax
	cmp ax, 0x5555
	jne fail

	mov bl, 6                  ; ENTER 4, 2 then LEAVE
	mov bp, 0x6F00
	mov word [0x6F00 - 2], 0xABCD  ; the outer frame's saved pointer slot
	mov dx, sp
	enter 4, 2
	; stack: [old BP][copy of [BP-2]][new frame ptr], then 4 bytes
	mov ax, bp
	mov cx, dx
	sub cx, 2
	cmp ax, cx                 ; BP = SP after pushing the old BP
	jne fail
	cmp word [bp], 0x6F00      ; old BP
	jne fail
	cmp word [bp - 2], 0xABCD  ; copied from the outer frame
	jne fail
	cmp word [bp - 4], ax      ; the new frame pointer itself
	jne fail
	lea di, [bp - 8]
	cmp di, sp
	jne fail
	leave
	cmp sp, dx
	jne fail
	cmp bp, 0x6F00
	jne fail

	mov bl, 7                  ; PUSHA/POPA; POP [SP-based] uses the new SP
	mov ax, 1
	mov cx, 2
	mov dx, 3
	mov si, 6
	mov di, 7
	mov bp, 5
	mov word [BUF], sp
	pusha
	xor ax, ax
	xor cx, cx
	xor dx, dx
	xor si, si
	xor di, di
	xor bp, bp
	popa
	cmp ax, 1
	jne fail
	cmp cx, 2
	jne fail
	cmp dx, 3
	jne fail
	cmp bp, 5
	jne fail
	cmp si, 6
	jne fail
	cmp di, 7
	jne fail
	mov ax, [BUF]
	cmp ax, sp
	jne fail
	push word 0x1111
	push word 0x2222
	mov bp, sp
	pop word [bp + 6]          ; BP-based: 0x2222 lands 6 above the old SP
	; An ESP-based destination is addressed after the increment (16-bit
	; addressing cannot name SP, hence the 67h form): 0x1111 lands at the
	; new SP.
	a32 pop word [esp]
	cmp word [bp + 6], 0x2222
	jne fail
	mov di, sp
	cmp word [di], 0x1111
	jne fail

	mov bl, 8                  ; overlapping REP MOVSB replicates a pattern
	mov byte [BUF], 'a'
	mov byte [BUF+1], 'b'
	mov si, BUF
	mov di, BUF+2
	mov cx, 8
	rep movsb
	cmp word [BUF+8], 'ab'
	jne fail
	cmp di, BUF+10
	jne fail
	test cx, cx
	jne fail
	std                        ; DF=1: MOVSW backwards
	mov word [BUF+0x100], 1
	mov word [BUF+0x102], 2
	mov word [BUF+0x104], 3
	mov si, BUF+0x104
	mov di, BUF+0x204
	mov cx, 3
	rep movsw
	cld
	cmp si, BUF+0x0FE
	jne fail
	cmp word [BUF+0x200], 1
	jne fail
	cmp word [BUF+0x204], 3
	jne fail

	mov bl, 9                  ; REPE CMPSB stops at the first difference
	mov si, str1
	mov di, BUF+0x300
	push ds
	push cs
	pop ds
	mov cx, 5
	rep movsb                  ; copy "hello" from ROM (DS=CS)
	pop ds
	mov byte [BUF+0x302], 'x'
	mov si, str1
	mov di, BUF+0x300
	mov cx, 5
	cs repe cmpsb              ; CS override on the source
	jz fail
	cmp cx, 2
	jne fail
	cmp si, str1 + 3
	jne fail

	mov bl, 10                 ; REPNE SCASB finds 'l'
	mov di, BUF+0x300
	mov al, 'l'
	mov cx, 5
	repne scasb
	jne fail
	cmp di, BUF+0x304
	jne fail
	cmp cx, 1
	jne fail

	mov bl, 11                 ; REP OUTSB prints, REP INSB reads 0xFF
	mov si, okmsg
	mov dx, 0xE9
	mov cx, okmsg_end - okmsg
	cs rep outsb
	mov di, BUF+0x400
	mov cx, 3
	mov dx, 0x80
	rep insb
	cmp word [BUF+0x401], 0xFFFF
	jne fail

	mov al, 0
	out 0xF4, al
	hlt

fail:	mov al, bl
	out 0xF4, al
	hlt

addtwo:	mov bp, sp
	mov dx, [bp+2]
	add dx, [bp+4]
	ret 4

sub5:	mov ax, 0x5555
	ret

int80:	add ax, 0x80
	iret
int3h:	inc byte [CNT]
	iret
int4h:	inc byte [CNT+1]
	iret
brh:	mov si, 20
	iret

str1:	db "hello"
okmsg:	db "flow ok", 10
okmsg_end:

times 0xfff0-($-$$) db 0xf4
	jmp 0xf000:start
times 0x10000-($-$$) db 0xf4
